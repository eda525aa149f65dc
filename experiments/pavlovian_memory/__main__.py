"""`python -m experiments.pavlovian_memory --config=configs/pavlovian_memory.py:quick --workdir=DIR`."""  # noqa: E501

from experiments import launch

if __name__ == "__main__":
    launch.cli("pavlovian_memory")
