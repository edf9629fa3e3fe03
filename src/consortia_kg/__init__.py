"""consortia-kg: an open knowledge graph of research consortia and the organisations in them."""

__version__ = "0.1.0"

__all__ = ["__version__"]
