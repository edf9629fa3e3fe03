"""Write a deterministic, realistic data folder of N consortia in the real record format.

``python bench/generate.py 1000 /tmp/data-1000`` writes ~5 organisations per consortium (a shared
pool), 10-200 memberships per consortium with roles and dates, 2-8 working groups, a steering
committee, 1-3 host institutions and descriptions of real length. Exactly 1 % of the consortia
(at least one) carry one known defect each, the four kinds of ``DEFECTS`` in turn, so validation
has findings to report. Organisation names are composed of words ("Kyoto Clinical Cancer
Imaging Institute"), and any two differ in at least two words chosen to look unlike each other,
so no two score as likely duplicates. The same N gives the same bytes.
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

# Organisation names: five words, one from each list (30 words each, any two of a list far
# apart in spelling). The place is a check word (the sum of the other four's positions, mod 30),
# so two names always differ in at least two words; tests/test_generate.py scores them.
_PLACES = (("Aberdeen", "GB"), ("Bologna", "IT"), ("Coimbra", "PT"), ("Dunedin", "NZ"),
           ("Edmonton", "CA"), ("Freiburg", "DE"), ("Grenoble", "FR"), ("Hyderabad", "IN"),
           ("Istanbul", "TR"), ("Johannesburg", "ZA"), ("Kyoto", "JP"), ("Lausanne", "CH"),
           ("Montevideo", "UY"), ("Nairobi", "KE"), ("Oulu", "FI"), ("Pittsburgh", "US"),
           ("Quito", "EC"), ("Reykjavik", "IS"), ("Salvador", "BR"), ("Tartu", "EE"),
           ("Uppsala", "SE"), ("Valparaiso", "CL"), ("Wroclaw", "PL"), ("Yogyakarta", "ID"),
           ("Zagreb", "HR"), ("Leuven", "BE"), ("Brisbane", "AU"), ("Daejeon", "KR"),
           ("Kumasi", "GH"), ("Mexico City", "MX"))  # fmt: skip
_QUALIFIERS = (  # noqa: SIM905
    "Clinical Translational Biomedical Molecular Computational Applied Integrative Experimental "
    "Environmental Public Digital Population Regenerative Precision Structural Cellular "
    "Quantitative Veterinary Agricultural Marine Tropical Paediatric Comparative Evolutionary "
    "Systems Synthetic Behavioural Nutritional Global Urban"
).split()
_FIELDS = (  # noqa: SIM905
    "Genomics Cancer Cardiac Neurology Immunity Vaccine Infection Ageing Renal Liver Lung Vision "
    "Dermatology Blood Orthopaedics Diabetes Obesity Malaria Tuberculosis Stroke Dementia Autism "
    "Asthma Allergy Microbiome Protein Sleep Arthritis Audiology Fertility"
).split()
_TOPICS = (  # noqa: SIM905
    "Research Science Medicine Health Innovation Discovery Data Technology Care Education Policy "
    "Engineering Analytics Therapeutics Diagnostics Imaging Prevention Surveillance Nursing "
    "Informatics Modelling Biodiversity Chemistry Robotics Statistics Nutrition Rehabilitation "
    "Ethics Outcomes Trials"
).split()
_KINDS = (  # noqa: SIM905
    "Institute Centre University Foundation Hospital Laboratory Council Agency Trust Society "
    "Academy College Network Alliance Observatory Clinic School Group Service Partnership "
    "Initiative Programme Association Commission Bureau Authority Department Facility Registry "
    "Biobank"
).split()
_BASE = 30
#: How many distinct organisation names there are (the pool is 5 N: N up to 162,000).
MAX_ORGANISATIONS = _BASE**4
#: Spreads consecutive indexes over the name space (coprime with ``MAX_ORGANISATIONS``).
_STRIDE = 7919


def organisation_name(index: int) -> tuple[str, str, str]:
    """The ``index``-th organisation's name, and its city and country code."""
    if not 0 <= index < MAX_ORGANISATIONS:
        raise ValueError(f"only {MAX_ORGANISATIONS} distinct organisation names")
    code = index * _STRIDE % MAX_ORGANISATIONS
    digits = [code // _BASE**k % _BASE for k in range(4)]
    qualifier, field, topic, kind = digits
    city, country = _PLACES[sum(digits) % _BASE]
    words = (city, _QUALIFIERS[qualifier], _FIELDS[field], _TOPICS[topic], _KINDS[kind])
    return " ".join(words), city, country


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
    name, city, country = organisation_name(index)
    lines = [
        f"id: {slug}",
        f"name: {_quote(name)}",
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
    defects = plan_defects(n, seed, defect_rate)
    for index in range(n):
        slug = f"consortium-{index:06d}"
        write_consortium(out, index, pool, rng, defects.get(slug), max_members)
    return defects


def defect_count(n: int, defect_rate: float = 0.01) -> int:
    """How many of N consortia carry a defect: ``round(N × rate)``, at least one, at most N."""
    if n <= 0 or defect_rate <= 0:
        return 0
    return min(n, max(1, round(n * defect_rate)))


def plan_defects(n: int, seed: int = 20261123, defect_rate: float = 0.01) -> dict[str, str]:
    """Which consortia carry which defect: spread over the N, the kinds of ``DEFECTS`` in turn."""
    chosen = sorted(random.Random(seed + 1).sample(range(n), defect_count(n, defect_rate)))
    kinds = sorted(DEFECTS)
    return {f"consortium-{index:06d}": kinds[k % len(kinds)] for k, index in enumerate(chosen)}


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
