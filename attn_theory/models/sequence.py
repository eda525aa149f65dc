"""A small generic attention model for any registered synthetic task.

Inputs are int tokens [B, T] (embedded) or float vectors [B, T, D] (read in linearly), plus
learned positions; `num_layers` blocks of (causal) multi-head attention, each with an
optional residual, LayerNorm and MLP; a linear readout at every position (its own Dense, or
tied to rows of the read-in as language models tie the LM head to the embedding, with an
optional final LayerNorm). Per-layer attention weights come back as intermediates.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from attn_theory import attention, mixers


class SequenceTransformer(nn.Module):
    """Returns (outputs [B, T, out_dim], {'attn': [layers x [B, H, T, T]]})."""

    out_dim: int
    vocab_size: int | None = None  # for int token inputs
    width: int = 64
    num_layers: int = 1
    num_heads: int = 1
    head_dim: int | None = None  # default width // num_heads; < that means low rank
    kind: str = "softmax"  # attention.ATTENTION_KINDS, or mixers.MIXER_KINDS (DSF mixers)
    state_dim: int | None = None  # DSF mixers: feature width n / SSM state N (default head_dim)
    mixer_options: tuple = ()  # DSF mixers: (name, value) pairs for mixers.Mixer
    causal: bool = True
    residual: bool = True
    layer_norm: bool = False
    mlp: bool = False
    positions: bool = True
    attention_impl: str = "reference"
    # Read-in init: None = the layer's default (lecun for vector inputs, N(0, 1) for tokens);
    # a float = N(0, embed_std^2), e.g. 0.02 as in GPT-2 / Zoology language models.
    embed_std: float | None = None
    final_layer_norm: bool = False
    # (a, b): the readout is tied to read-in rows a..b-1 (out_dim = b - a): logits = x E[a:b]^T.
    tied_readout: tuple[int, int] | None = None

    @nn.compact
    def __call__(self, inputs, head_mask=None, ablation: str = "zero"):
        """head_mask: optional [num_layers, num_heads] weights (1 keeps a head, 0 ablates it);
        an ablated head's output is replaced by zero (`ablation="zero"`) or by its mean over
        the batch (`"mean"`), see attn_theory/mechanisms.py."""
        std = self.embed_std
        if jnp.issubdtype(inputs.dtype, jnp.integer):
            if self.vocab_size is None:
                raise ValueError("int token inputs need vocab_size")
            kw = {} if std is None else {"embedding_init": nn.initializers.normal(std)}
            embed = nn.Embed(self.vocab_size, self.width, **kw)
            x = embed(inputs)
            table = lambda: embed.embedding  # noqa: E731  [vocab, width]
        else:
            kw = {} if std is None else {"kernel_init": nn.initializers.normal(std)}
            read_in = nn.Dense(self.width, use_bias=False, **kw)
            x = read_in(inputs)
            table = lambda: read_in.variables["params"]["kernel"]  # noqa: E731  [D, width]
        t = x.shape[1]
        if self.positions:
            x = x + self.param("pos", nn.initializers.normal(0.02), (t, self.width))[None]
        mask = attention.causal_mask(t) if self.causal else None
        head_dim = self.head_dim or max(self.width // self.num_heads, 1)
        maps = []
        for layer in range(self.num_layers):
            h = nn.LayerNorm()(x) if self.layer_norm else x
            # DSF mixers are causal; non-causal 'linear' keeps the attention path.
            if self.kind in mixers.MIXER_KINDS and (self.causal or self.kind != "linear"):
                if not self.causal:
                    raise ValueError(f"kind {self.kind!r} is causal only")
                mha = mixers.Mixer(
                    kind=self.kind,
                    num_heads=self.num_heads,
                    head_dim=head_dim,
                    state_dim=self.state_dim or head_dim,
                    out_dim=self.width,
                    kernel_init=nn.initializers.lecun_normal(),
                    **dict(self.mixer_options),
                )
                a, inter = mha(h)
            else:
                mha = attention.MultiHeadAttention(
                    num_heads=self.num_heads,
                    head_dim=head_dim,
                    out_dim=self.width,
                    kind=self.kind,
                    kernel_init=nn.initializers.lecun_normal(),
                    impl=self.attention_impl,
                )
                a, inter = mha(h, h, mask)
            if head_mask is not None:
                w_o = mha.variables["params"]["w_o"]
                a = a + _ablation_delta(inter["heads"], w_o, head_mask[layer], ablation)
            maps.append(inter["attn"])
            x = x + a if self.residual else a
            if self.mlp:
                h = nn.LayerNorm()(x) if self.layer_norm else x
                x = x + nn.Dense(self.width)(jax.nn.gelu(nn.Dense(4 * self.width)(h)))
        if self.final_layer_norm:
            x = nn.LayerNorm()(x)
        if self.tied_readout is None:
            return nn.Dense(self.out_dim)(x), {"attn": maps}
        a, b = self.tied_readout
        if b - a != self.out_dim or not 0 <= a < b <= table().shape[0]:
            raise ValueError(f"tied_readout rows {a}..{b - 1} must be {self.out_dim} rows of "
                             f"the {table().shape[0]}-row read-in")  # fmt: skip
        return x @ table()[a:b].T, {"attn": maps}


def _ablation_delta(heads_bthk, w_o_hko, mask_h, ablation: str):
    """Change of the attention output when head h's output is scaled by mask_h and the rest
    (1 - mask_h) replaced by zero or by its batch mean: sum_h (m_h - 1)(heads_h - fill_h) W_O^h."""
    if ablation not in ("zero", "mean"):
        raise ValueError(f"ablation must be 'zero' or 'mean', got {ablation!r}")
    fill = jnp.mean(heads_bthk, 0, keepdims=True) if ablation == "mean" else 0.0
    scaled = (jnp.asarray(mask_h, heads_bthk.dtype) - 1)[:, None] * (heads_bthk - fill)
    return jnp.einsum("bthk,hko->bto", scaled, w_o_hko)
