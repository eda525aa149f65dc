"""Random-label memorisation data of Mahdavi et al. (ICLR'24), `RandomDataset` in their code.

Example i has a query token e_i ~ U[0,1]^{d_in}, a context E_i ~ U[0,1]^{n x d_in} and a
label y_i uniform over C classes (or a target U[0,1] for the regression variant). With
context_type='shared' ("fixed" in the code) one E is drawn once and used by every example;
'random' draws a fresh E_i per example.

The dataset is a pure function of (dataset_key, i): example i is drawn from
fold_in(dataset_key, i), so it needs no storage, the first N examples of a larger dataset
are the size-N dataset, and minibatches are just random indices. The shared context comes
from a key of its own, so it is the same for every example.
"""

from __future__ import annotations

import jax

Array = jax.Array

CONTEXT_TYPES = ("shared", "random")
_QUERY, _LABEL, _CONTEXT = 0, 1, 2  # fold_in salts: one key per field, never one for two


def examples(
    dataset_key: Array,
    index_b: Array,
    *,
    input_dim: int,
    context_len: int,
    num_classes: int,
    context_type: str,
    regression: bool = False,
) -> dict[str, Array]:
    """The examples with indices index_b [b] of the dataset named by dataset_key.

    Returns:
      {'query': [b, d_in], 'context': [b, n, d_in] ('random') or [1, n, d_in] ('shared'),
       'label': int32 [b] in [0, C)} or, when regression, {'target': float32 [b]}.
    """
    if context_type not in CONTEXT_TYPES:
        raise ValueError(f"context_type must be one of {CONTEXT_TYPES}, got {context_type!r}")
    field = lambda salt: jax.random.fold_in(dataset_key, salt)  # noqa: E731
    per_example = lambda salt: jax.vmap(lambda i: jax.random.fold_in(field(salt), i))(index_b)  # noqa: E731
    query = jax.vmap(lambda k: jax.random.uniform(k, (input_dim,)))(per_example(_QUERY))
    if context_type == "shared":
        context = jax.random.uniform(field(_CONTEXT), (1, context_len, input_dim))
    else:
        context = jax.vmap(lambda k: jax.random.uniform(k, (context_len, input_dim)))(
            per_example(_CONTEXT)
        )
    label_keys = per_example(_LABEL)
    if regression:
        return {
            "query": query,
            "context": context,
            "target": jax.vmap(lambda k: jax.random.uniform(k, ()))(label_keys),
        }
    label = jax.vmap(lambda k: jax.random.randint(k, (), 0, num_classes))(label_keys)
    return {"query": query, "context": context, "label": label}


def sample(
    key: Array, batch: int, dataset_key: Array, num_examples: Array | int, **task
) -> dict[str, Array]:
    """A minibatch of `batch` examples drawn uniformly with replacement from the first
    `num_examples` (may be a traced int) examples of the dataset; `task` as in `examples`."""
    index_b = jax.random.randint(key, (batch,), 0, num_examples)
    return examples(dataset_key, index_b, **task)
