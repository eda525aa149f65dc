"""`python -m experiments.icl_reduced_model --config=configs/icl_reduced_model.py:quick
--workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("icl_reduced_model")
