"""Allow ``python -m consortia_kg``."""

from consortia_kg.cli import main

main()
