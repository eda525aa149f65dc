"""`python -m experiments.scan_and_snap --config=configs/scan_and_snap.py:quick --workdir=DIR`."""

from experiments import launch

if __name__ == "__main__":
    launch.cli("scan_and_snap")
