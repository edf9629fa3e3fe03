"""Two ROR records sharing a GRID/ISNI/Wikidata/FundRef id: a warning, not an error (issue 12).

ROR keeps such pairs as two organisations (ROR's own duplicates). The sample of 477 records has
no pair, so one is made from two real records: the second is given the first's ISNI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result


def _pair(ror_file: Path) -> list[dict[str, Any]]:
    """Two real ROR records, the second carrying the first's ISNI as well as its own ids."""
    records = [json.loads(line) for line in ror_file.read_text(encoding="utf-8").splitlines()]
    with_isni = [r for r in records if any(e["type"] == "isni" for e in r["external_ids"])]
    first, second = with_isni[0], with_isni[1]
    isni = next(e for e in first["external_ids"] if e["type"] == "isni")
    second["external_ids"] = [e for e in second["external_ids"] if e["type"] != "isni"]
    second["external_ids"].append({"type": "isni", "all": isni["all"], "preferred": None})
    return [first, second]


def test_two_ror_records_sharing_an_isni_are_a_warning_naming_both(
    tmp_path: Path, ror_file: Path, cli: Callable[..., Result]
) -> None:
    first, second = _pair(ror_file)
    source = tmp_path / "pair.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in (first, second)), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    assert cli("import", "ror", source, "--data", data, "-q").exit_code == 0
    result = cli("validate", "--data", data, "-q")
    assert result.exit_code == 0, result.stdout
    heads = [line for line in result.stdout.splitlines() if "same identifier" in line]
    assert len(heads) == 2, result.stdout
    for line in heads:
        assert line.endswith("[warning]")
        assert "ROR lists them as distinct organisations" in line
        assert first["id"] in line and second["id"] in line
    assert "fix: open both ROR ids" in result.stdout

    # without its ROR id, the second record is the first written twice: an error
    slug = second["id"].rsplit("/", 1)[1]
    path = data / "organisations" / f"{slug}.yaml"
    path.write_text(
        "".join(
            line
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.startswith("ror:")
        ),
        encoding="utf-8",
    )
    result = cli("validate", "--data", data, "-q")
    assert result.exit_code == 1, result.stdout
    errors = [
        line
        for line in result.stdout.splitlines()
        if "another organisation record has the same identifier" in line
    ]
    assert errors and not any(line.endswith("[warning]") for line in errors), result.stdout
    assert "merge the two records" in result.stdout
