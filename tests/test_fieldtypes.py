"""Field types parse strictly and explain what to write instead."""

from __future__ import annotations

import pytest

from consortia_kg.records import fieldtypes as t


@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [
        (t.parse_year, "2013", 2013),
        (t.parse_date, "2016-05-24", t.DateValue("2016-05-24")),
        (t.parse_date, "2013-06", t.DateValue("2013-06")),
        (t.parse_date, "2013", t.DateValue("2013")),
        (t.parse_count, "70", 70),
        (t.parse_count, "0", 0),
        (t.parse_yes_no, "true", True),
        (t.parse_yes_no, "False", False),
        (t.parse_slug, "ga4gh", "ga4gh"),
        (t.parse_iri, "https://ga4gh.org", "https://ga4gh.org"),
        (t.parse_text, "  trimmed  ", "trimmed"),
    ],
)
def test_good_values(parser: object, raw: str, expected: object) -> None:
    assert parser(raw) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("parser", "raw", "message", "fix"),
    [
        (t.parse_year, "13", '"13" is not a year', "write four digits, e.g. 2013"),
        (t.parse_year, "2013.0", '"2013.0" is not a year', "write four digits, e.g. 2013"),
        (t.parse_year, "0999", '"0999" is not a plausible year', "write the year it happened"),
        (t.parse_year, "9999", '"9999" is not a plausible year', "write the year it happened"),
        (t.parse_date, "05/24/2016", '"05/24/2016" is not an ISO date', "write it as 2016-05-24"),
        (t.parse_date, "2016-02-30", '"2016-02-30" is not a date',
         "write YYYY-MM-DD, YYYY-MM or YYYY, e.g. 2016-05-24"),
        (t.parse_date, "2016-13", '"2016-13" is not a date',
         "write YYYY-MM-DD, YYYY-MM or YYYY, e.g. 2016-05-24"),
        (t.parse_count, "012345", '"012345" is not a count',
         "write a whole number in digits, e.g. 70"),
        (t.parse_count, "-1", '"-1" is not a count', "write a whole number in digits, e.g. 70"),
        (t.parse_count, "seventy", '"seventy" is not a count',
         "write a whole number in digits, e.g. 70"),
        (t.parse_yes_no, "yes", '"yes" is not true or false', "write true or false"),
        (t.parse_slug, "GA4GH", '"GA4GH" is not a slug',
         "use lower-case letters, digits and '-', e.g. 'ga4gh'"),
        (t.parse_iri, "ga4gh.org", '"ga4gh.org" is not an http(s) IRI',
         "write a full address, e.g. https://…"),
        (t.parse_iri, "https://x.org/a b", '"https://x.org/a b" is not an http(s) IRI',
         "write a full address, e.g. https://…"),
        (t.parse_iri, "ftp://x.org/", '"ftp://x.org/" is not an http(s) IRI',
         "write a full address, e.g. https://…"),
        (t.ROR.parse, "02catss52", '"02catss52" is not a ROR id', "write e.g. https://ror.org/02catss52"),
        (t.WIKIDATA.parse, "1341845", '"1341845" is not a Wikidata id', "write e.g. Q1341845"),
        (t.parse_text, "   ", "is empty", "write a value, or remove the key"),
    ],
)  # fmt: skip
def test_bad_values_say_what_to_write(parser: object, raw: str, message: str, fix: str) -> None:
    with pytest.raises(t.FieldError) as caught:
        parser(raw)  # type: ignore[operator]
    assert caught.value.message == message
    assert caught.value.fix == fix


def test_date_precision_maps_to_xsd_types() -> None:
    assert [t.DateValue(v).xsd_type for v in ("2016-05-24", "2013-06", "2013")] == [
        "date",
        "gYearMonth",
        "gYear",
    ]
