"""`python -m experiments.associative_memory_compare --config=configs/associative_memory_compare.py:quick --workdir=DIR`."""  # noqa: E501

from experiments import launch

if __name__ == "__main__":
    launch.cli("associative_memory_compare")
