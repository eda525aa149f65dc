"""`python -m experiments.stacked_attention_heads --config=configs/stacked_attention_heads.py:quick
--workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("stacked_attention_heads")
