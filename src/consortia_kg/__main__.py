"""Allow ``python -m consortia_kg``."""

from consortia_kg.cli.main import main

main()
