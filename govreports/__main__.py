"""`python -m govreports`, the same as the `govreports` console script."""

from govreports.cli import main

# Guarded: a spawned worker process (`govreports index`) may import the main module again.
if __name__ == "__main__":
    main()
