"""`python -m caresight` runs the command line."""

from caresight.cli import main

main()
