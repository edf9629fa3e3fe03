"""Every refusal the query guard writes is in the user's words, never the parser's.

rdflib's parse tree once leaked into messages (``SERVICE <pname_pname_{'prefix': ...}>``), and
pyparsing's rule names (``Expected SelectQuery``) into syntax errors. Each text below is sent
through every check that may refuse it (server query, server update, embedded store).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consortia_kg.query.guard import QueryGuard, Refused, check_local

LEAKS = ("pname", "CompValue", "SelectQuery", "ConstructQuery", "_{", "rdflib", "ParseResults")
GUARD = QueryGuard("http://example.org/base/")
CHECKS: dict[str, Callable[[str], object]] = {
    "query": GUARD.check_query,
    "update": GUARD.check_update,
    "local": check_local,
}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("PREFIX ex: <http://e/> SELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }", "ex:sparql"),
        ("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", "?where"),
        ("SELECT * WHERE { SERVICE <http://e/sparql> { ?s ?p ?o } }", "<http://e/sparql>"),
        ("PREFIX ex: <http://e/> LOAD ex:doc", "LOAD ex:doc"),
        ("LOAD <http://e/doc.ttl>", "LOAD <http://e/doc.ttl>"),
        ("INSERT { ?s ?p ?o } USING <http://e/g> WHERE { ?s ?p ?o }", "DELETE/INSERT"),
        ("CLEAR ALL", "read-only"),
        ("SELEC * WHERE { ?s ?p ?o } # service", "expected SELECT, CONSTRUCT, DESCRIBE or ASK"),
        ("SELECT * WHERE { SERVICE <http://e/> { ?s ?p } }", "cannot be read on from here"),
        ("SELECT * WHERE " + "{ " * 100 + "?s ?p ?o" + " }" * 100, "nests brackets 100 deep"),
    ],
)
def test_refusals_say_what_the_user_wrote(text: str, says: str) -> None:
    messages = []
    for name, check in CHECKS.items():
        try:
            check(text)
        except Refused as refused:
            messages.append((name, str(refused)))
    assert messages, "no check refused it"
    assert any(says in message for _, message in messages), messages
    for name, message in messages:
        assert not any(leak in message for leak in LEAKS), (name, message)
        assert "fix:" in message, (name, message)


def test_the_store_graphs_named_are_the_dataset_and_no_graph_is_refused() -> None:
    checked = GUARD.check_query(
        "SELECT * FROM <file:///etc/passwd> FROM NAMED <rel> WHERE { ?s ?p ?o }"
    )
    assert checked.default_graphs == ("file:///etc/passwd",)
    assert checked.named_graphs == ("http://example.org/base/rel",)
    protocol = GUARD.check_query("ASK {}", ["http://e/absent"], [])
    assert (protocol.default_graphs, protocol.named_graphs) == (("http://e/absent",), ())
