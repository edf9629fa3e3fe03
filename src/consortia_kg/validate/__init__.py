"""Validate: SHACL over the built graph, findings tied back to record files, and their report."""
