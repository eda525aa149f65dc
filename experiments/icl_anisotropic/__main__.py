"""`python -m experiments.icl_anisotropic --config=configs/icl_anisotropic.py:quick --workdir=DIR`."""  # noqa: E501

from experiments import launch

if __name__ == "__main__":
    launch.cli("icl_anisotropic")
