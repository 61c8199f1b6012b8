"""Importing children from the case management system's CSV: all rows or none, a reason for
every refused row (never quoting a cell), a file the import cannot read for certain refused in
one line, any number of rows in one transaction, and a re-run updates rather than duplicates."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from domain.children import importer
from domain.children.models import Child
from domain.core.errors import NotAllowed
from domain.core.roles import SYSTEM, Actor, Role, ScopeType
from domain.history.models import HistoryEntry
from domain.people.models import Person, Team
from tests.conftest import World

HEADER = "case_reference,team,allocated_practitioner_email,date_of_birth,child_in_need,child_protection_plan_start,looked_after,care_leaver,family_first\n"


@pytest.fixture
async def setting(world: World) -> tuple[Team, Person]:
    csc = await world.service()
    team = await world.team(csc, "Assessment Team 1")
    worker = await world.person("Ann Worker", (Role.PRACTITIONER, ScopeType.TEAM, team), team=team)
    return team, worker


async def _import(world: World, content: str, actor: Actor = SYSTEM) -> importer.ImportReport:
    async with world.session_factory() as s, s.begin():
        report = await importer.import_children(
            session=s, actor=actor, clock=world.clock, rows=importer.rows_from_text(content)
        )
        if not report.applied:
            await s.rollback()
        return report


async def _children(world: World) -> list[Child]:
    async with world.session_factory() as s:
        return list(await s.scalars(select(Child).order_by(Child.case_reference)))


async def test_a_good_file_is_imported_and_a_rerun_updates_not_duplicates(
    world: World, setting: tuple[Team, Person]
) -> None:
    _, worker = setting
    content = HEADER + (
        f"CR-1,Assessment Team 1,{worker.email},2015-03-01,yes,,no,no,no\n"
        "CR-2,assessment team 1,,01/02/2010,no,2026-02-26,no,no,yes\n"
    )
    report = await _import(world, content)
    assert (report.applied, report.created, report.updated) == (True, 2, 0)
    children = await _children(world)
    assert [c.case_reference for c in children] == ["CR-1", "CR-2"]
    assert children[0].allocated_practitioner_id == worker.id
    assert children[1].child_protection_plan_start is not None and children[1].family_first

    changed = content.replace(
        "CR-2,assessment team 1,,01/02/2010,no,2026-02-26", "CR-2,assessment team 1,,01/02/2010,no,"
    )
    report = await _import(world, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    children = await _children(world)
    assert len(children) == 2 and children[1].child_protection_plan_start is None
    async with world.session_factory() as s:
        actions = list(
            await s.scalars(
                select(HistoryEntry.action)
                .where(HistoryEntry.object_id == children[1].id)
                .order_by(HistoryEntry.id)
            )
        )
        last = (
            await s.scalars(select(HistoryEntry).where(HistoryEntry.action == "child.updated"))
        ).one()
    assert actions == ["child.imported", "child.updated"]
    assert last.changes == {"child_protection_plan_start": ["2026-02-26", None]}


async def test_one_bad_row_means_nothing_is_imported_and_every_reason_is_given(
    world: World, setting: tuple[Team, Person]
) -> None:
    _, worker = setting
    content = HEADER + (
        f"CR-1,Assessment Team 1,{worker.email},2015-03-01,yes,,no,no,no\n"
        "CR-2,No Such Team,,2015-03-01,no,,no,no,no\n"
        "CR-3,Assessment Team 1,ghost@example.org,2015-03-01,no,,no,no,no\n"
        "CR-4,Assessment Team 1,,2031-01-01,no,,no,no,no\n"
        "CR-5,Assessment Team 1,,not a date,maybe,,yes,yes,no\n"
        "CR-1,Assessment Team 1,,2015-03-01,no,,no,no,no\n"
        ",Assessment Team 1,,2015-03-01,no,2027-01-01,no,no,no\n"
    )
    report = await _import(world, content)
    assert not report.applied
    reasons = {(p.row, p.column) for p in report.problems}
    assert reasons == {
        (3, "team"),
        (4, "allocated_practitioner_email"),
        (5, "date_of_birth"),
        (6, "date_of_birth"),
        (6, "child_in_need"),
        (6, "care_leaver"),
        (7, "case_reference"),
        (8, "case_reference"),
        (8, "child_protection_plan_start"),
    }
    assert await _children(world) == []
    async with world.session_factory() as s:
        assert (
            await s.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.object_type == "Child")
            )
            == 0
        )


async def test_an_administrator_imports_and_no_one_else_on_staff_does(
    world: World, setting: tuple[Team, Person]
) -> None:
    from domain.people.service import actor_for_person

    team, _ = setting
    row = HEADER + "CR-1,Assessment Team 1,,2015-03-01,no,,no,no,no\n"
    for name, grant in (
        ("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None)),
        ("Pat Partner", (Role.PARTNER_AGENCY_MEMBER, ScopeType.AUTHORITY, None)),
        ("Manny Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, team)),
    ):
        person = await world.person(name, grant)
        async with world.session_factory() as s:
            actor = await actor_for_person(s, person)
        with pytest.raises(NotAllowed):
            await _import(world, row, actor)
    assert await _children(world) == []
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    async with world.session_factory() as s:
        actor = await actor_for_person(s, admin)
    assert (await _import(world, row, actor)).created == 1


SECRET = "CR-SECRET-77"
GOOD_ROW = f"{SECRET},Assessment Team 1,,2015-03-01,no,,no,no,no\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"\n\n", "The file is empty"),
        (HEADER.encode(), "a header but no rows"),
        ((HEADER + GOOD_ROW.replace("Team", "T\xe9am")).encode("latin-1"), "Line 2: not UTF-8"),
        ((HEADER + GOOD_ROW).encode("utf-16"), "Line 1: the file is UTF-16"),
        ((HEADER + GOOD_ROW).encode("utf-16-le"), "Line 1, column 1: the header has a NUL"),
        (
            (HEADER + GOOD_ROW.replace("Team 1", "Team 1" + "x" * 131_073)).encode(),
            "Line 2: longer than 65,536 bytes",
        ),
        (
            (
                HEADER
                + GOOD_ROW.replace("Assessment Team 1", '"Team' + ("x" * 999 + "\n") * 132 + '"')
            ).encode(),
            "Line 133: a cell is far too long",
        ),
        (
            (HEADER + GOOD_ROW.replace("Team 1", '"Team 1' + "x" * 200 + '"')).encode(),
            "Line 2, column 2 (team): longer than 120 characters",
        ),
        (
            (HEADER + GOOD_ROW.replace("Assessment", "Asse\x00ssment")).encode(),
            "Line 2, column 2 (team): a NUL or invalid character",
        ),
        (
            HEADER.replace("care_leaver", "team").encode() + GOOD_ROW.encode(),
            "Line 1, column 8: the column team appears twice",
        ),
        (
            HEADER.replace("care_leaver", SECRET).encode() + GOOD_ROW.encode(),
            "Line 1, column 8: not a column the import knows",
        ),
        (b"case_reference,date_of_birth\nCR-1,2015-01-01\n", "column(s) team are missing"),
        ((HEADER + GOOD_ROW.replace("\n", ",extra\n")).encode(), "Line 2: 10 cells where"),
        ((HEADER + GOOD_ROW.replace(",no\n", "\n")).encode(), "Line 2: 8 cells where"),
        ((HEADER + GOOD_ROW + '"CR-2,unclosed\n').encode(), "Line 3: is not valid CSV"),
    ],
    ids=[
        "empty",
        "blank lines",
        "header only",
        "latin-1",
        "utf-16 with BOM",
        "utf-16 without BOM",
        "line over the limit",
        "cell over the csv limit",
        "over-long value",
        "NUL",
        "duplicate column",
        "unknown column",
        "missing column",
        "extra cell",
        "missing cell",
        "broken quotes",
    ],
)
def test_a_file_the_import_cannot_read_for_certain_is_refused_in_one_line(
    content: bytes, expected: str
) -> None:
    with pytest.raises(importer.FileRefused) as refused:
        list(importer.rows_from_file(io.BytesIO(content)))
    message = refused.value.message
    assert expected in message and "\n" not in message
    assert SECRET not in message and "Assessment" not in message


def test_utf8_with_or_without_a_bom_and_windows_line_endings_are_read() -> None:
    for content in (
        (HEADER + GOOD_ROW).encode(),
        b"\xef\xbb\xbf" + (HEADER + GOOD_ROW).encode(),
        (HEADER + GOOD_ROW + "\n").replace("\n", "\r\n").encode(),
    ):
        rows = list(importer.rows_from_file(io.BytesIO(content)))
        assert [r["case_reference"] for r in rows] == [SECRET]


def test_text_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(importer.FileRefused, match=r"Line 2, column 2 .team.: a NUL or invalid"):
        list(importer.rows_from_text(HEADER + GOOD_ROW.replace("Team", "T\udc80eam")))


async def test_a_refused_row_is_reported_by_its_line_without_its_values(
    world: World, setting: tuple[Team, Person]
) -> None:
    # A quoted cell over two lines: the next row's number is still its line in the file.
    content = HEADER + (
        'CR-1,"Assessment Team 1",,2015-03-01,no,,no,no,no\n'
        f"{SECRET},Nowhere Team,,2015-03-01,no,,no,no,no\n"
    )
    report = await _import(world, content)
    assert [str(p) for p in report.problems] == ["Line 3, column team: no team has that name."]
    assert SECRET not in str(report) and "Nowhere" not in str(report)


async def test_forty_thousand_rows_import_in_one_transaction(
    world: World, setting: tuple[Team, Person]
) -> None:
    # Beyond asyncpg's 32,767 arguments a statement: nothing is sent as one argument a row.
    _, worker = setting
    rows = 40_000
    lines = [HEADER] + [
        f"CR-{n},Assessment Team 1,{worker.email if n % 2 else ''},2015-03-01,no,,no,no,no\n"
        for n in range(rows)
    ]
    report = await _import(world, "".join(lines))
    assert (report.created, report.updated, report.unchanged) == (rows, 0, 0)
    lines[1] = lines[1].replace(",no,,no,no,no", ",yes,,no,no,no")
    report = await _import(world, "".join(lines))
    assert (report.created, report.updated, report.unchanged) == (0, 1, rows - 1)
    async with world.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Child)) == rows
        assert (
            await s.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.object_type == "Child")
            )
            == rows + 1
        )
        assigned = await s.scalar(
            select(func.count())
            .select_from(Child)
            .where(Child.allocated_practitioner_id == worker.id)
        )
        assert assigned == rows // 2
        updated = (
            await s.scalars(select(HistoryEntry).where(HistoryEntry.action == "child.updated"))
        ).one()
        assert updated.changes == {"child_in_need": [False, True]}
