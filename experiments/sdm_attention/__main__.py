"""`python -m experiments.sdm_attention --config=configs/sdm_attention.py:quick --workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("sdm_attention")
