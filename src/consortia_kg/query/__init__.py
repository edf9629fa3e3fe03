"""Query: the embedded store, named queries, remote endpoints and uploads to them."""
