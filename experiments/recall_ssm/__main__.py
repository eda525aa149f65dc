"""`python -m experiments.recall_ssm --config=configs/recall_ssm.py:quick --workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("recall_ssm")
