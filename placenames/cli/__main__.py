"""``python -m placenames.cli``."""

from . import main

main()
