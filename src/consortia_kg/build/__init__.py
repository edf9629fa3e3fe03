"""Build: records become RDF, one named graph per record (in memory, or as sorted N-Quads lines)."""
