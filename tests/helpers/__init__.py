"""Code the tests share, kept apart from the tests so that no test file imports another.

``tests/conftest.py`` turns the expensive parts into session fixtures; test modules import
plain values (paths, parametrize tables) from here because pytest reads those at collection.

- ``paths``: where the repository's folders are, and ``../shared`` (overridable);
- ``cases``: the invalid-fixture cases of ``tests/fixtures/invalid/`` and how to apply one;
- ``golden``: the golden dumps and reports (``tests/regen_golden.py`` writes them);
- ``oxigraph_server``: a real ``oxigraph serve`` process for endpoint and push tests;
- ``browser``: headless Debian Chromium for the browser tests;
- ``deferred``: parametrize rows computed when the test runs, from the fixtures they name;
- ``importgraph``: the package's imports read with ``ast``, for tests/test_architecture.py.
"""
