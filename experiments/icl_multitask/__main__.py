"""`python -m experiments.icl_multitask --config=configs/icl_multitask.py:quick --workdir=DIR`."""  # noqa: E501

from experiments import launch

if __name__ == "__main__":
    launch.cli("icl_multitask")
