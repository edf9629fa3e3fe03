"""Records: the YAML files under data/ read strictly into typed values that remember file:line."""
