"""The command line, one module per verb (``main`` assembles them)."""
