"""`python -m skyweave` is the `skyweave` command."""

from skyweave.cli import main

main()
