"""`importChildren`: an administrator imports a CSV export through GraphQL with the same domain
function as `qaf import-children`; a dry run and a refused file change nothing and say why in
one line each, on `csv`, never quoting a cell; nobody else on staff may, and nobody signed out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.children.models import Child
from domain.core.roles import Role, ScopeType
from domain.history.models import HistoryEntry
from domain.people.models import Person
from tests.conftest import GraphQL, World

IMPORT = """
mutation Import($input: ImportChildrenInput!) {
  importChildren(input: $input) {
    rows created updated unchanged
    errors { code field message }
  }
}
"""
HEADER = "case_reference,team,allocated_practitioner_email,date_of_birth,looked_after\n"
SECRET = "CR-SECRET-93"


@pytest.fixture
async def people(world: World) -> dict[str, Person]:
    csc = await world.service()
    team = await world.team(csc, "Assessment Team 1")
    worker = await world.person("Wyn Worker", (Role.PRACTITIONER, ScopeType.TEAM, team), team=team)
    return {
        "admin": await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None)),
        "qa_lead": await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None)),
        "practitioner": worker,
        "partner": await world.person(
            "Pat Police",
            (Role.PARTNER_AGENCY_MEMBER, ScopeType.AUTHORITY, None),
            partner_agency="Police",
        ),
    }


async def state(world: World) -> tuple[list[tuple[str, bool]], int]:
    """The children (reference, looked after) and the history rows, read from the database."""
    async with world.session_factory() as s:
        children = [
            (c.case_reference, c.looked_after)
            for c in await s.scalars(select(Child).order_by(Child.case_reference))
        ]
        history = await s.scalar(select(func.count()).select_from(HistoryEntry)) or 0
    return children, history


async def run(
    gql: GraphQL, csv: str, as_: Person | None, dry_run: bool | None = None
) -> dict[str, Any]:
    fields: dict[str, Any] = {"csv": csv}
    if dry_run is not None:
        fields["dryRun"] = dry_run
    body = await gql(IMPORT, {"input": fields}, as_=as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["importChildren"]
    return payload


def good_file(worker: Person) -> str:
    return HEADER + (
        f"CR-1,Assessment Team 1,{worker.email},2015-03-01,no\n"
        "CR-2,assessment team 1,,01/02/2010,yes\n"
    )


async def test_an_administrator_imports_and_a_rerun_updates(
    gql: GraphQL, world: World, people: dict[str, Person]
) -> None:
    payload = await run(gql, good_file(people["practitioner"]), people["admin"])
    assert payload == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    children, history = await state(world)
    assert children == [("CR-1", False), ("CR-2", True)]
    assert history >= 2

    changed = good_file(people["practitioner"]).replace("2015-03-01,no", "2015-03-01,yes")
    payload = await run(gql, changed, people["admin"], dry_run=False)
    assert payload == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1, "errors": []}
    assert (await state(world))[0] == [("CR-1", True), ("CR-2", True)]


async def test_a_dry_run_reports_the_counts_and_changes_nothing(
    gql: GraphQL, world: World, people: dict[str, Person]
) -> None:
    before = await state(world)
    payload = await run(gql, good_file(people["practitioner"]), people["admin"], dry_run=True)
    assert payload == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert await state(world) == before


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (
            "case_reference,team,team,date_of_birth\n" + f"{SECRET},A,B,2015-03-01\n",
            ["Line 1, column 3: the column team appears twice."],
        ),
        (
            HEADER + f"{SECRET},Assessment Team 1,,2015-03-01,no,extra\n",
            ["Line 2: 6 cells where the header has 5."],
        ),
        (
            HEADER
            + "CR-1,Assessment Team 1,,2015-03-01,no\n"
            + f"{SECRET},No Such Team,,2015-03-01,maybe\n",
            [
                "Line 3, column team: no team has that name.",
                "Line 3, column looked_after: must be yes or no.",
                "Nothing was imported: 2 problem(s) in 2 rows.",
            ],
        ),
    ],
    ids=["duplicate-header", "extra-cell", "refused-rows"],
)
async def test_a_bad_file_is_invalid_on_csv_and_changes_nothing(
    gql: GraphQL, world: World, people: dict[str, Person], content: str, messages: list[str]
) -> None:
    before = await state(world)
    payload = await run(gql, content, people["admin"])
    assert payload["created"] is None and payload["updated"] is None
    assert payload["errors"] == [
        {"code": "INVALID", "field": "csv", "message": message} for message in messages
    ]
    assert SECRET not in str(payload)
    assert await state(world) == before


async def test_at_most_twenty_row_reasons_are_listed_then_a_count(
    gql: GraphQL, world: World, people: dict[str, Person]
) -> None:
    rows = "".join(f"CR-{n},No Such Team,,2015-03-01,no\n" for n in range(30))
    payload = await run(gql, HEADER + rows, people["admin"])
    errors = payload["errors"]
    assert len(errors) == 21
    assert errors[0]["message"] == "Line 2, column team: no team has that name."
    assert errors[-1]["message"] == (
        "Nothing was imported: 30 problem(s) in 30 rows (10 more not listed)."
    )
    assert (await state(world))[0] == []


async def test_a_file_of_ten_thousand_rows_fits_in_one_request(
    gql: GraphQL, world: World, people: dict[str, Person]
) -> None:
    """Far over the 10,000-character limit of other strings, within the 1 MiB body."""
    rows = "".join(f"CR-{n:05},Assessment Team 1,,2015-03-01,no\n" for n in range(10_000))
    assert 10_000 * 10 < len(HEADER + rows) < 1024 * 1024
    payload = await run(gql, HEADER + rows, people["admin"])
    assert payload["errors"] == [] and payload["created"] == 10_000
    async with world.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Child)) == 10_000


async def test_other_strings_keep_their_limit_and_a_nul_is_refused_in_csv(
    gql: GraphQL, people: dict[str, Person]
) -> None:
    body = await gql(
        "mutation($input: CreateServiceInput!) { createService(input: $input) { errors { code } } }",
        {"input": {"name": "x" * 20_000, "isMultiAgency": False}},
        as_=people["admin"],
    )
    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        "Variable $input.name is longer than 10,000 characters."
    )
    body = await gql(IMPORT, {"input": {"csv": HEADER + "\x00"}}, as_=people["admin"])
    assert body["data"] is None
    assert "Variable $input.csv contains the NUL character" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("qa_lead", "NOT_ALLOWED"),
        ("practitioner", "NOT_ALLOWED"),
        ("partner", "NOT_ALLOWED"),
        (None, "UNAUTHENTICATED"),
    ],
)
async def test_nobody_but_an_administrator_imports(
    gql: GraphQL, world: World, people: dict[str, Person], who: str | None, code: str
) -> None:
    before = await state(world)
    payload = await run(gql, good_file(people["practitioner"]), people[who] if who else None)
    assert payload["created"] is None
    assert [e["code"] for e in payload["errors"]] == [code]
    assert await state(world) == before


async def test_a_long_file_is_accepted_as_a_literal_too(
    gql: GraphQL, world: World, people: dict[str, Person]
) -> None:
    rows = "".join(f"CR-{n:05},Assessment Team 1,,2015-03-01,no\n" for n in range(300))
    assert len(HEADER + rows) > 10_000
    literal = json.dumps(HEADER + rows)
    document = IMPORT.replace("($input: ImportChildrenInput!)", "").replace(
        "input: $input", f"input: {{csv: {literal}}}"
    )
    body = await gql(document, as_=people["admin"])
    assert "errors" not in body, body
    assert body["data"]["importChildren"]["created"] == 300
