"""`python -m experiments.icl_linear_regression --config=configs/icl_linear_regression.py:quick --workdir=DIR`."""  # noqa: E501

from experiments import launch

if __name__ == "__main__":
    launch.cli("icl_linear_regression")
