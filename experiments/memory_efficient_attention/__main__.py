"""`python -m experiments.memory_efficient_attention --config=configs/memory_efficient_attention.py:quick --workdir=DIR`."""  # noqa: E501

from experiments import launch

if __name__ == "__main__":
    launch.cli("memory_efficient_attention")
