"""Write a deterministic, realistic data folder of N consortia in the real record format.

``python bench/generate.py 1000 /tmp/data-1000`` writes ~5 organisations per consortium (a shared
pool), 10-200 memberships per consortium with roles and dates, 2-8 working groups, a steering
committee, 1-3 host institutions and descriptions of real length. 1 % of the consortia carry one
known defect (listed in ``DEFECTS``), so validation has findings to report. The same N gives the
same bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

#: Each defect and the message validation reports for it.
DEFECTS = {
    "launch-after-update": "is after the record's last update",
    "unknown-member": "is not a known organisation",
    "member-before-launch": "before the consortium was launched",
    "end-before-start": "before it starts",
}

_WORDS = (  # noqa: SIM905 - one string reads better
    "genomic data sharing clinical research standards interoperable federated cohort rare disease "
    "registry biobank ethics governance privacy analysis pipeline cloud discovery phenotype "
    "variant consent network platform harmonised community infrastructure training open"
).split()
_ROLES = ("member", "founding member", "associate member", "funder", "observer")
_ORG_TYPES = ("education", "funder", "government", "facility", "company", "healthcare", "nonprofit")
_CITIES = (("Cambridge", "GB"), ("Toronto", "CA"), ("Heidelberg", "DE"), ("Barcelona", "ES"),
           ("Boston", "US"), ("Tokyo", "JP"), ("Melbourne", "AU"), ("Helsinki", "FI"))  # fmt: skip


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(sentences))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_source(out: Path) -> None:
    """The one source every generated record cites."""
    (out / "sources").mkdir(parents=True, exist_ok=True)
    (out / "sources" / "bench-generator.yaml").write_text(
        "id: bench-generator\n"
        "title: Synthetic records written by bench/generate.py\n"
        "kind: other\n"
        "description: Deterministic synthetic data for benchmarks; no fact in it is real.\n"
    )


def write_organisation(out: Path, index: int, rng: random.Random) -> str:
    """One organisation record; return its slug."""
    slug = f"org-{index:06d}"
    city, country = rng.choice(_CITIES)
    lines = [
        f"id: {slug}",
        f"name: {_quote(f'{rng.choice(_WORDS).title()} Institute {index}')}",
        f"acronym: {_quote(f'I{index}')}",
        "types:",
        f"  - {rng.choice(_ORG_TYPES)}",
        "status: active",
        f'established: "{rng.randint(1900, 2015)}"',
        f"homepage: https://org{index}.example.org/",
        "locations:",
        f"  - city: {city}",
        f"    country_code: {country}",
        "sources:",
        "  - bench-generator",
    ]
    (out / "organisations" / f"{slug}.yaml").write_text("\n".join(lines) + "\n")
    return slug


def write_consortium(
    out: Path,
    index: int,
    pool: list[str],
    rng: random.Random,
    defect: str | None,
    max_members: int = 200,
) -> None:
    """One consortium record, maybe with one known defect."""
    slug = f"consortium-{index:06d}"
    launched = rng.randint(1995, 2015)
    updated = f"{rng.randint(2016, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if defect == "launch-after-update":
        updated = f"{launched - 1}-06-01"
    lines = [
        f"id: {slug}",
        f"name: {_quote(f'{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()} Consortium {index}')}",  # noqa: E501
        f"acronym: {_quote(f'C{index}')}",
        f"status: {rng.choice(('active', 'active', 'active', 'completed', 'inactive'))}",
        f'year_launched: "{launched}"',
        f"initiator_type: {rng.choice(('nonprofit-foundation', 'government', 'academic', 'industry'))}",  # noqa: E501
        f"initiating_organisation: {rng.choice(pool)}",
        "participating_organisations:",
        f'  count: "{rng.randint(200, 400)}"',
        f'  as_of: "{updated}"',
    ]
    if rng.random() < 0.3:
        lines.append("disease_focus: none")
    else:
        lines += ["disease_focus:", f"  - {_quote(rng.choice(_WORDS).title() + ' Disease')}"]
    lines += [
        f"scope: {rng.choice(('international', 'national', 'regional'))}",
        f"description: {_quote(_paragraph(rng, 5))}",
        f"mission: {_quote(_paragraph(rng, 3))}",
        "activities:",
    ]
    for _ in range(rng.randint(2, 6)):
        lines += [
            f"  - name: {rng.choice(_WORDS).title()}",
            f"    description: {_quote(_sentence(rng, 15))}",
        ]
    lines += [
        f"history: {_quote(_paragraph(rng, 4))}",
        f"governance: {_quote(_paragraph(rng, 3))}",
        "legal_status: nonprofit",
        "funding:",
        "  - philanthropic-support",
        "  - research-agency-grants",
        "steering_committee:",
        "  name: Steering Committee",
        f"  description: {_quote(_sentence(rng, 20))}",
        f'  member_count: "{rng.randint(5, 20)}"',
        "working_groups:",
    ]
    for wg in range(rng.randint(2, 8)):
        lines += [
            f"  - id: wg-{wg + 1}",
            f"    name: {_quote(f'{rng.choice(_WORDS).title()} Working Group')}",
            f"    description: {_quote(_sentence(rng, 20))}",
            f'    member_count: "{rng.randint(5, 60)}"',
        ]
    lines += [
        "posts:",
        "  - id: chair",
        "    title: Chair",
        "    unit: steering-committee",
        "host_institutions:",
    ]
    hosts = rng.sample(pool, rng.randint(1, 3))
    lines += [f"  - organisation: {host}" for host in hosts]
    lines.append("members:")
    members = rng.sample(pool, min(len(pool), rng.randint(min(10, max_members), max_members)))
    for position, member in enumerate(members):
        start = rng.randint(launched, 2016)
        if defect == "unknown-member" and position == 0:
            member = "org-missing"
        if defect == "member-before-launch" and position == 0:
            start = launched - 3
        lines += [
            f"  - organisation: {member}",
            f"    role: {rng.choice(_ROLES)}",
            f'    start: "{start}-{rng.randint(1, 12):02d}"',
        ]
        if rng.random() < 0.2 or (defect == "end-before-start" and position == 0):
            end = (
                start - 1
                if defect == "end-before-start" and position == 0
                else rng.randint(start, 2024)
            )
            lines.append(f'    end: "{end}"')
    lines += [
        "contacts:",
        "  - kind: phone",
        f'    value: "+1-555-{index % 10000:04d}"',
        "address:",
        f"  street: [{_quote(f'{index} Example Street')}]",
        f"  locality: {rng.choice(_CITIES)[0]}",
        f'last_updated: "{updated}"',
        "sources:",
        "  - bench-generator",
    ]
    (out / "consortia" / f"{slug}.yaml").write_text("\n".join(lines) + "\n")


def generate(
    n: int,
    out: Path,
    seed: int = 20261123,
    defect_rate: float = 0.01,
    max_members: int = 200,
) -> dict[str, str]:
    """Write N consortia into ``out``; return the consortia that carry a defect, by slug."""
    rng = random.Random(seed)
    for folder in ("consortia", "organisations"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    write_source(out)
    pool = [write_organisation(out, i, rng) for i in range(max(200, 5 * n))]
    defects: dict[str, str] = {}
    names = sorted(DEFECTS)
    for index in range(n):
        defect = names[len(defects) % len(names)] if rng.random() < defect_rate else None
        if defect:
            defects[f"consortium-{index:06d}"] = defect
        write_consortium(out, index, pool, rng, defect, max_members)
    return defects


def main() -> int:
    """Command line: N and the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of consortia")
    parser.add_argument("out", type=Path, help="output data folder (created)")
    args = parser.parse_args()
    defects = generate(args.n, args.out)
    print(f"{args.n} consortia, {len(defects)} with a defect, in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
