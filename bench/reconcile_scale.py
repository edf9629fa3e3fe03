"""Issue 12's reconciliation bench: 50,000 real-looking names against 50,000 records, timed and
checked for quality, beside the naive all-pairs scorer in the same run.

    python bench/reconcile_scale.py [--size 50000] [--queries N] [--json FILE]

**Records** (``--size``, default 50,000) are organisations with a name, acronym, country and
city, from the real files of ``../shared/data`` (SOURCES.md; ``$CONSORTIA_KG_SHARED/data`` too):
the CORDIS H2020 organisations of 2017 (section 4: ``name``, ``shortName``, ``country``,
``city``; one per PIC), the NFDI institutions (section 6, no country: GEPRIS does not say it),
the ELIXIR institutes (section 7) and the ROR records (section 2: display name, aliases, labels,
acronyms, country, city). A name already taken (by the engine's normalised forms, the acronym in
a trailing bracket aside) is left out, so no two records share a name. The base is then grown to
``--size`` as ``bench/ror_workload.py`` grows ROR: copy 1, 2, … of every base record in turn,
each name, alias and label with the copy's own word (``ror_workload.copy_word``, "Kalora")
added before any trailing bracket, each acronym with ``-<copy>``; country and city kept.

**Queries** (``--queries``, default the number of records): 80 % are a record's name changed in
one way, in turn (the record drawn at random, each record once at most), with the record's
country: ``exact`` (as written), ``case-accents`` (lower case, accents dropped),
``upper-cordis`` (upper case, umlauts as CORDIS writes them: "UNIVERSITAET"),
``bracket-acronym`` (the acronym, or the initials, appended in brackets) -- these four are the
same name once normalised and should be ``certain`` -- and ``typo`` (one letter of one word
replaced, dropped, doubled or swapped), ``drop-word``, ``add-word`` (a common word of the
records inserted), which should never be. A change that gives another record's name exactly is
not made (another word or change is tried). 20 % are names that match nothing: a base record's
name with every word of fewer than 50 records replaced by an invented one ("University of
Tovelik"), with that record's country.

**Measured**: the time to build the :class:`~consortia_kg.reconcile.Reconciler` (its blocks'
name tables are made on first use: that is in the match time), the time to match every query
(``match(Query(name, country=…, kind="organisation"), limit=5)``: the default ``SHOW_SCORE``
floor), per query (mean, p50, p99, max; the ten slowest queries go to the JSON), wall and CPU
seconds (``time.process_time``: on a busy machine the wall seconds grow, the CPU ones less), and
peak resident memory (``ru_maxrss``) after the data
is read, after the build and after matching. **Quality**: recall@1 (the query's record is the
best candidate) and recall@5 per kind of change, recall@1 also apart for the queries made from a
real record and from a copy (copies differ by one word, so ``add-word`` on a real name and
``drop-word`` on a copy's are close to other copies by construction); ``certain`` answers per
kind, and *false certain* (certain, but not the query's record, or any certain answer to a
name that matches nothing: must be 0); for names that match nothing, how many get a candidate
proposed (``ASK_SCORE`` or more).

**Baseline** in the same run: the all-pairs scorer a first version would write,
``rapidfuzz.process.extractOne(name, all record names, scorer=fuzz.token_sort_ratio)`` (names
pre-processed once with ``utils.default_process``, not counted), on a sample of
``--baseline-sample`` queries (default 500, drawn at random), stopped after
``--baseline-seconds`` (default 60); its total is extrapolated to every query by the factor
printed. Its recall@1 on the sample is beside the engine's on the same sample.

Everything is drawn from ``random.Random(--seed)``: the same files and options give the same
records, queries and quality figures. The markdown table goes to stdout, progress to stderr,
and ``--json FILE`` writes the same figures (with the machine and versions, as ``bench/run.py``
does). The issue's target (50,000 against 50,000 within 60 s) is printed, never asserted.
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import json
import os
import random
import resource
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from ror_workload import copy_word  # noqa: E402 - bench/ror_workload.py: the copies' words

SHARED = Path(os.environ.get("CONSORTIA_KG_SHARED") or ROOT.parent / "shared") / "data"
#: The issue's target: every query matched within this many seconds at 50,000 x 50,000.
TARGET_SECONDS = 60.0
#: The kinds of change, in turn; the first four are the record's name once normalised.
SAME_NAME = ("exact", "case-accents", "upper-cordis", "bracket-acronym")
CHANGED = ("typo", "drop-word", "add-word")
KINDS = SAME_NAME + CHANGED
UNMATCHED = "no-match"
#: One query in this many (of every 10) names nothing.
UNMATCHED_SHARE = 0.2
#: A word in fewer records than this is replaced by an invented one in a name matching nothing.
RARE_WORD = 50
#: Words inserted by ``add-word``: common words of organisation names.
ADDED_WORDS = ("Research", "National", "Institute", "Centre", "Department", "Foundation",
               "Laboratory", "Association", "Technology", "Sciences")  # fmt: skip
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "AE", "Ö": "OE", "Ü": "UE"})


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """An organisation as a source writes it."""

    source: str
    name: str
    aliases: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    country: str = ""
    city: str = ""


def read_cordis(path: Path) -> list[Base]:
    """The CORDIS 2017 organisations, one per PIC (``orgId``), in file order."""
    from consortia_kg.importers.countries import country_code

    out, seen = [], set()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            pic, name = row["orgId"].strip(), row["name"].strip()
            if not name or pic in seen:
                continue
            seen.add(pic)
            short = row["shortName"].strip()
            country = country_code(row["country"]) or "" if row["country"].strip() else ""
            out.append(Base("cordis", name, acronyms=(short,) if short else (),
                            country=country, city=row["city"].strip().title()))  # fmt: skip
    return out


def read_nfdi(path: Path) -> list[Base]:
    """The NFDI institutions (every role column), one per GEPRIS page, in file order."""
    out, seen = [], set()
    columns = ("Applying institution", "Co-applicant institution", "Participating Institution",
               "Cooperation partners")  # fmt: skip
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column in columns:
                cell = row.get(column) or ""
                for name, page in ast.literal_eval(cell) if cell.strip() else []:
                    if name.strip() and page not in seen:
                        seen.add(page)
                        out.append(Base("nfdi", name.strip()))
    return out


def read_elixir(path: Path) -> list[Base]:
    """The ELIXIR hub and institutes, read by the project's own reader of the node map."""
    from consortia_kg.importers.countries import country_code
    from consortia_kg.registries.elixir import COUNTRY_CODES, VARIABLES, read_node_map
    from consortia_kg.registries.snapshot import SnapshotFile

    node_map = read_node_map(SnapshotFile("node_map", path, str(path), "", "", 1))
    out = []
    for variable in VARIABLES:
        for feature in node_map.collections[variable]:
            country = COUNTRY_CODES.get(feature.location, "")
            suffix = feature.node.rpartition("-")[2]
            if not country and len(suffix) == 2:  # ELIXIR-PT: the node's country
                country = country_code(suffix) or ""
            out.append(Base("elixir", feature.name, country=country))
    return out


def read_ror(path: Path) -> list[Base]:
    """The ROR records: display name, aliases, labels, acronyms, first location."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        name, aliases, labels, acronyms = "", [], [], []
        for item in record.get("names") or []:
            types, value = item.get("types") or [], item["value"]
            if "ror_display" in types:
                name = value
            elif "acronym" in types:
                acronyms.append(value)
            elif "alias" in types:
                aliases.append(value)
            else:
                labels.append(value)
        place = ((record.get("locations") or [{}])[0]).get("geonames_details") or {}
        out.append(Base("ror", name, tuple(aliases), tuple(labels), tuple(acronyms),
                        place.get("country_code", ""), place.get("name", "")))  # fmt: skip
    return out


def forms_of(text: str) -> set[str]:
    """The normalised forms the engine matches a name by (with a trailing bracket and without)."""
    from consortia_kg.reconcile.names import name_forms, split_trailing_acronym

    bare, _ = split_trailing_acronym(text)
    return {f for f in (*name_forms(text), *name_forms(bare)) if f}


def distinct(bases: list[Base], taken: dict[str, int]) -> list[Base]:
    """The bases none of whose names is taken yet; ``taken`` gains theirs (form → index)."""
    kept: list[Base] = []
    for base in bases:
        forms = set().union(*(forms_of(n) for n in (base.name, *base.aliases, *base.labels)))
        if not base.name or forms & taken.keys():
            continue
        for form in forms:
            taken[form] = len(kept)
        kept.append(base)
    return kept


def with_word(text: str, word: str) -> str:
    """``text`` with ``word`` added, before a trailing bracket ("X Kalora (XA)")."""
    from consortia_kg.reconcile.names import split_trailing_acronym

    bare, tail = split_trailing_acronym(text)
    return f"{bare.rstrip()} {word}" + (f" ({tail})" if tail else "")


def grow(base: list[Base], size: int) -> list[Base]:
    """``size`` records: the base, then copy 1, 2, … of each base record with a word of its own."""
    if size <= len(base):
        return base[:size]
    records, taken = list(base), set().union(*(forms_of(b.name) for b in base))
    copy = 0
    while len(records) < size:
        copy += 1
        word = copy_word(copy)
        for original in base:
            if len(records) >= size:
                break
            record = Base(original.source, with_word(original.name, word),
                          tuple(with_word(a, word) for a in original.aliases),
                          tuple(with_word(label, word) for label in original.labels),
                          tuple(f"{a}-{copy}" for a in original.acronyms),
                          original.country, original.city)  # fmt: skip
            if forms_of(record.name) & taken:
                continue
            taken |= forms_of(record.name)
            records.append(record)
    return records


def entities(records: list[Base]) -> list[Any]:
    """The records as the engine's entities, keyed ``r<index>``."""
    from consortia_kg.reconcile import Entity

    return [
        Entity(
            f"r{i}",
            "organisation",
            r.name,
            names=r.aliases,
            labels=r.labels,
            acronyms=r.acronyms,
            countries=frozenset({r.country} - {""}),
            cities=frozenset({r.city} - {""}),
            source=r.source,
        )
        for i, r in enumerate(records)
    ]


# --- queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """A query and what it should find."""

    name: str
    country: str
    kind: str
    source: str | None  # the key of the record it was made from; None: it names nothing


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha() and len(w) > 3]
    return "".join(w[0].upper() for w in words) or name.split()[0].upper()


def typo(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    how = rng.choice(("replace", "drop", "double", "swap"))
    if how == "replace":
        letter = rng.choice([c for c in "aeioulnrst" if c != word[at].lower()])
        return word[:at] + letter + word[at + 1 :]
    if how == "drop":
        return word[:at] + word[at + 1 :]
    if how == "double":
        return word[:at] + word[at] + word[at:]
    return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]


def changes(kind: str, record: Base, rng: random.Random) -> list[str]:
    """The names ``kind`` may make of ``record``'s name, in the order to try them."""
    name = record.name
    words = name.split()
    if kind == "exact":
        return [name]
    if kind == "case-accents":
        return [strip_accents(name).lower()]
    if kind == "upper-cordis":
        return [strip_accents(name.translate(_UMLAUTS)).upper()]
    if kind == "bracket-acronym":
        # CORDIS's shortName is often a second name ("KAYSER ITALIA SRL"): one word only
        short = [a for a in record.acronyms if " " not in a.strip() and len(a) <= 12]
        acronym = short[0] if short else initials(name)
        return [f"{name} ({acronym})"]
    if kind == "typo":
        spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        rng.shuffle(spots)
        return [" ".join([*words[:i], typo(words[i], rng), *words[i + 1 :]]) for i in spots]
    if kind == "drop-word":
        spots = list(range(len(words))) if len(words) >= 3 else []
        rng.shuffle(spots)
        return [" ".join(words[:i] + words[i + 1 :]) for i in spots]
    if kind == "add-word":
        spots = list(range(len(words) + 1))
        rng.shuffle(spots)
        return [" ".join([*words[:i], rng.choice(ADDED_WORDS), *words[i:]]) for i in spots]
    raise ValueError(kind)


def invented(rng: random.Random) -> str:
    """A pronounceable word of no record ("Tovelik"): copy words end in "ra", these in a
    consonant."""
    syllables = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(3))
    return (syllables + rng.choice("klmnst")).capitalize()


def make_probes(
    records: list[Base], base_count: int, count: int, rng: random.Random
) -> list[Probe]:
    """``count`` queries: 80 % changed names of drawn records, 20 % names that match nothing."""
    taken: set[str] = set()
    for r in records:
        taken |= forms_of(r.name)
        for other in (*r.aliases, *r.labels):
            taken |= forms_of(other)
    unmatched = round(count * UNMATCHED_SHARE)
    matched = min(count - unmatched, len(records))
    probes: list[Probe] = []
    for n, index in enumerate(rng.sample(range(len(records)), matched)):
        record, key = records[index], f"r{index}"
        kinds = KINDS[n % len(KINDS) :] + KINDS[: n % len(KINDS)]
        for kind in kinds:  # the turn's kind; the next one when it cannot be made
            own = forms_of(record.name)
            made = next(
                (c for c in changes(kind, record, rng)
                 if kind in SAME_NAME or not ((forms_of(c) - own) & taken or forms_of(c) <= own)),
                None,
            )  # fmt: skip
            if made is not None:
                probes.append(Probe(made, record.country, kind, key))
                break
    frequency = Counter(w for r in records for w in set(r.name.casefold().split()))
    while len(probes) < matched + unmatched:
        template = records[rng.randrange(base_count)]
        words = [invented(rng) if frequency[w.casefold()] < RARE_WORD and w.isalpha() else w
                 for w in template.name.split()]  # fmt: skip
        if words == template.name.split():
            words.append(invented(rng))
        name = " ".join(words)
        if not forms_of(name) & taken:
            probes.append(Probe(name, template.country, UNMATCHED, None))
    rng.shuffle(probes)
    return probes


# --- measuring -----------------------------------------------------------------------------


def peak_mib() -> float:
    """The process's peak resident memory so far (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(ents: list[Any], probes: list[Probe]) -> tuple[dict[str, Any], list[list[Any]]]:
    """Build the engine, match every probe; return the figures and each probe's matches."""
    from consortia_kg.reconcile import Query, Reconciler

    memory = {"after_data_mib": peak_mib()}
    start = time.perf_counter()
    cpu = time.process_time()
    reconciler = Reconciler(ents)
    build = time.perf_counter() - start
    build_cpu = time.process_time() - cpu
    memory["after_build_mib"] = peak_mib()
    print(f"[reconcile] built over {len(ents):,} records in {build:.2f} s", file=sys.stderr)
    found, each = [], []
    cpu = time.process_time()
    start = time.perf_counter()
    for n, probe in enumerate(probes, 1):
        t = time.perf_counter()
        found.append(reconciler.match(Query(probe.name, country=probe.country,
                                            kind="organisation"), limit=5))  # fmt: skip
        each.append(time.perf_counter() - t)
        if n % 10000 == 0:
            print(f"[reconcile] {n:,} queries, {time.perf_counter() - start:.1f} s",
                  file=sys.stderr)  # fmt: skip
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu
    memory["after_match_mib"] = peak_mib()
    slowest = sorted(range(len(each)), key=lambda i: -each[i])[:10]
    slow = [{"query": probes[i].name, "kind": probes[i].kind, "ms": round(1000 * each[i], 1)}
            for i in slowest]  # fmt: skip
    each.sort()
    timing = {
        "build_seconds": build,
        "build_cpu_seconds": build_cpu,
        "match_seconds": total,
        "match_cpu_seconds": cpu,
        "slowest_queries": slow,
        "per_query_ms": {
            "mean": 1000 * total / max(1, len(probes)),
            "p50": 1000 * statistics.median(each) if each else 0.0,
            "p99": 1000 * each[int(0.99 * (len(each) - 1))] if each else 0.0,
            "max": 1000 * each[-1] if each else 0.0,
        },
        "memory": memory,
    }
    return timing, found


def quality(
    probes: list[Probe], found: list[list[Any]], base_count: int
) -> dict[str, dict[str, Any]]:
    """Per kind of query: recall@1 (also for real records alone: keys below ``base_count``),
    recall@5, certain (right and false), proposals."""
    from consortia_kg.reconcile import ASK_SCORE

    rows: dict[str, dict[str, Any]] = {}
    for probe, matches in zip(probes, found, strict=True):
        row = rows.setdefault(probe.kind, Counter())
        row["queries"] += 1
        top = matches[0] if matches else None
        if probe.source is None:
            row["proposed"] += bool(top and top.score >= ASK_SCORE)
            row["false_certain"] += sum(m.certain for m in matches)
            row["no_candidate"] += top is None
            continue
        row["at1"] += bool(top and top.key == probe.source)
        if int(probe.source[1:]) < base_count:  # a real record's name, not a copy's
            row["real"] += 1
            row["real_at1"] += bool(top and top.key == probe.source)
        row["at5"] += any(m.key == probe.source for m in matches)
        row["certain"] += sum(m.certain and m.key == probe.source for m in matches)
        if probe.kind in SAME_NAME and top and top.key == probe.source and not top.certain:
            row["short"] += any(e.startswith("a short name") for e in top.evidence)
        row["false_certain"] += sum(m.certain and m.key != probe.source for m in matches)
        row["no_candidate"] += top is None
    order = [*KINDS, UNMATCHED]
    return {kind: dict(rows[kind]) for kind in order if kind in rows}


def run_baseline(
    records: list[Base], probes: list[Probe], sample: int, budget: float, rng: random.Random
) -> dict[str, Any]:
    """``extractOne`` over every record name (token_sort_ratio) for a sample, within ``budget``."""
    from rapidfuzz import fuzz, process, utils

    chosen = sorted(rng.sample(range(len(probes)), min(sample, len(probes))))
    choices = [utils.default_process(r.name) for r in records]
    done, right, matched = [], 0, 0
    start = time.perf_counter()
    for i in chosen:
        probe = probes[i]
        best = process.extractOne(utils.default_process(probe.name), choices,
                                  scorer=fuzz.token_sort_ratio, processor=None)  # fmt: skip
        done.append(i)
        if probe.source is not None:
            matched += 1
            right += bool(best and f"r{best[2]}" == probe.source)
        if time.perf_counter() - start > budget:
            break
    seconds = time.perf_counter() - start
    factor = len(probes) / max(1, len(done))
    return {
        "sample": len(chosen),
        "done": len(done),
        "seconds": seconds,
        "factor": factor,
        "extrapolated_seconds": seconds * factor,
        "per_query_ms": 1000 * seconds / max(1, len(done)),
        "recall_at_1": right / matched if matched else None,
        "matched_in_sample": matched,
        "indices": done,
    }


# --- report --------------------------------------------------------------------------------


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def real_copies(row: dict[str, int]) -> str:
    """Recall@1 of the queries made from real records, and of those made from copies."""
    real, copies = row.get("real", 0), row["queries"] - row.get("real", 0)
    right = row.get("at1", 0) - row.get("real_at1", 0)
    return f"{pct(row.get('real_at1', 0), real)} / {pct(right, copies)}"


def render(report: dict[str, Any]) -> str:
    t, b, q = report["engine"], report["baseline"], report["quality"]
    n, m = report["records"], report["queries"]
    mem = t["memory"]
    lines = [
        f"Reconciliation at scale: {m:,} names against {n:,} records "
        f"({report['base_records']:,} real: {report['base_by_source']}; the rest copies)",
        "",
        "| step | seconds | CPU seconds | per query | baseline | baseline seconds | ratio |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: |",
        f"| build `Reconciler` ({n:,} records) | {t['build_seconds']:.2f} | "
        f"{t['build_cpu_seconds']:.2f} | - | - | - | - |",
        f"| match {m:,} queries | {t['match_seconds']:.2f} | {t['match_cpu_seconds']:.2f} | "
        f"{t['per_query_ms']['mean']:.2f} ms (p50 {t['per_query_ms']['p50']:.2f}, "
        f"p99 {t['per_query_ms']['p99']:.2f}, max {t['per_query_ms']['max']:.0f}) | "
        f"all-pairs `extractOne` token_sort_ratio, {b['done']} queries x{b['factor']:.0f} | "
        f"{b['extrapolated_seconds']:.0f} (measured {b['seconds']:.1f} s, "
        f"{b['per_query_ms']:.1f} ms/query) | "
        f"{t['match_seconds'] / b['extrapolated_seconds']:.4f} |",
        f"| build + match | {t['build_seconds'] + t['match_seconds']:.2f} | "
        f"{t['build_cpu_seconds'] + t['match_cpu_seconds']:.2f} | - | "
        f"target: within {TARGET_SECONDS:.0f} s | - | "
        f"{'met' if t['build_seconds'] + t['match_seconds'] <= TARGET_SECONDS else 'MISSED'} |",
        "",
        f"Peak RSS: {mem['after_data_mib']:.0f} MiB with the data read, "
        f"{mem['after_build_mib']:.0f} MiB after the build, {mem['after_match_mib']:.0f} MiB "
        f"after matching (the engine: +{mem['after_match_mib'] - mem['after_data_mib']:.0f} MiB).",
        "",
        "| queries | n | recall@1 | recall@1 real / copies | recall@5 | certain (right) "
        "| false certain | no candidate | proposed (>= 85) | not certain: one short word |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    totals: Counter[str] = Counter()
    for kind, row in q.items():
        k = row["queries"]
        if kind == UNMATCHED:
            lines.append(
                f"| {kind} | {k:,} | - | - | - | - | {row.get('false_certain', 0)} | "
                f"{row.get('no_candidate', 0):,} | {row.get('proposed', 0):,} "
                f"({pct(row.get('proposed', 0), k)}) | - |"
            )
            continue
        totals.update(row)
        lines.append(
            f"| {kind} | {k:,} | {pct(row.get('at1', 0), k)} | "
            f"{real_copies(row)} | {pct(row.get('at5', 0), k)} | "
            f"{row.get('certain', 0):,} ({pct(row.get('certain', 0), k)}) | "
            f"{row.get('false_certain', 0)} | {row.get('no_candidate', 0):,} | - | "
            f"{row.get('short', 0) if kind in SAME_NAME else '-'} |"
        )
    k = totals["queries"]
    lines.append(
        f"| **all changed names** | {k:,} | {pct(totals['at1'], k)} | {real_copies(totals)} | "
        f"{pct(totals['at5'], k)} | "
        f"{totals['certain']:,} | {totals['false_certain']} | {totals['no_candidate']:,} | - | "
        f"{totals['short']} |"
    )
    lines += [
        "",
        f"On the baseline's sample ({b['matched_in_sample']} queries naming a record): recall@1 "
        f"engine {100 * report['engine_sample_at1']:.1f} %, all-pairs token_sort_ratio "
        f"{100 * (b['recall_at_1'] or 0):.1f} %.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50000, help="records (default 50,000)")
    parser.add_argument("--queries", type=int, help="queries (default: as many as records)")
    parser.add_argument("--seed", type=int, default=12, help="the random draw (default 12)")
    parser.add_argument("--baseline-sample", type=int, default=500, help="queries (500)")
    parser.add_argument("--baseline-seconds", type=float, default=60.0, help="at most (60)")
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    start = time.perf_counter()
    taken: dict[str, int] = {}
    sources = {
        "cordis": read_cordis(args.data / "cordis-h2020-organisations-2017.csv.gz"),
        "nfdi": read_nfdi(args.data / "nfdi-consortia-gepris.csv"),
        "elixir": read_elixir(args.data / "elixir-node-map.js"),
        "ror": read_ror(args.data / "ror-records-v2.0.jsonl"),
    }
    base = []
    by_source = {}
    for source, bases in sources.items():
        kept = distinct(bases, taken)
        by_source[source] = len(kept)
        base += kept
    records = grow(base, args.size)
    probes = make_probes(records, min(len(base), len(records)), args.queries or len(records), rng)
    ents = entities(records)
    print(f"[reconcile] {len(records):,} records ({len(base):,} real), {len(probes):,} queries "
          f"made in {time.perf_counter() - start:.1f} s", file=sys.stderr)  # fmt: skip

    timing, found = run_engine(ents, probes)
    qual = quality(probes, found, len(base))
    print("[reconcile] baseline ...", file=sys.stderr)
    baseline = run_baseline(records, probes, args.baseline_sample, args.baseline_seconds, rng)
    on_sample = [i for i in baseline.pop("indices") if probes[i].source is not None]
    sample_at1 = sum(
        bool(found[i] and found[i][0].key == probes[i].source) for i in on_sample
    ) / max(1, len(on_sample))
    false_links = [
        {"query": p.name, "kind": p.kind, "country": p.country,
         "source": records[int(p.source[1:])].name if p.source else None,
         "linked": m.name, "score": m.score, "reason": m.reason}
        for p, ms in zip(probes, found, strict=True) for m in ms
        if m.certain and m.key != p.source
    ]  # fmt: skip

    import run as common  # bench/run.py: the machine and versions, as every bench reports them

    report = {
        "machine": common.machine(),
        "versions": {**common.versions(), "rapidfuzz": _version("rapidfuzz")},
        "command": " ".join(["python", "bench/reconcile_scale.py", *sys.argv[1:]]),
        "records": len(records),
        "base_records": len(base),
        "base_by_source": ", ".join(f"{s} {n:,}" for s, n in by_source.items()),
        "queries": len(probes),
        "engine": timing,
        "engine_sample_at1": sample_at1,
        "baseline": baseline,
        "quality": qual,
        "false_certain_links": false_links[:50],
    }
    table = render(report)
    print(table)
    print(
        "\nslowest queries: "
        + "; ".join(
            f"{q['query']!r} ({q['kind']}) {q['ms']:.0f} ms" for q in timing["slowest_queries"][:5]
        )
    )
    if false_links:
        print(f"\nfalse certain links ({len(false_links)}, first 10):")
        for link in false_links[:10]:
            print(f"- {link}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


def _version(name: str) -> str | None:
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
