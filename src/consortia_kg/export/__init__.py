"""Export: byte-stable dumps (Turtle, N-Triples, N-Quads, JSON-LD), gzip, VoID and checksums."""
