"""`python -m experiments.random_feature_attention
--config=configs/random_feature_attention.py:quick --workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("random_feature_attention")
