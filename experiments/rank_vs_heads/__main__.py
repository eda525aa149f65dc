"""`python -m experiments.rank_vs_heads --config=configs/rank_vs_heads.py:quick --workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("rank_vs_heads")
