"""`python -m experiments.synthetic_task --config=configs/synthetic_task.py:associative_recall
--workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("synthetic_task")
