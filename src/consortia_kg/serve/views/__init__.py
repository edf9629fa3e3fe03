"""One module per kind of page, as datasette's ``views/``; :mod:`..routes` lists where each is.

:mod:`.base` (what they share: formats, caching headers, errors), :mod:`.entity` (dereferenced
IRIs: 303 and documents), :mod:`.sparql` (the SPARQL 1.1 Protocol), :mod:`.queries` (named
queries), :mod:`.dumps` (the dump files), :mod:`.vocabulary` (ontology and shapes) and
:mod:`.home` (home, search, health, static files).
"""
