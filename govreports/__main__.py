"""`python -m govreports`, the same as the `govreports` console script."""

from govreports.cli import main

main()
