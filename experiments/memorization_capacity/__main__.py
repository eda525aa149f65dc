"""`python -m experiments.memorization_capacity --config=configs/memorization_capacity.py:quick
--workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("memorization_capacity")
