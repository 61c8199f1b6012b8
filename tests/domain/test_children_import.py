"""Importing children from the case management system's CSV: all rows or none, a reason for
every refused row, and a re-run updates rather than duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from domain.children import importer
from domain.children.models import Child
from domain.core.errors import NotAllowed
from domain.history.models import HistoryEntry
from domain.people.models import Person, Team
from domain.people.roles import SYSTEM, Actor, Role, ScopeType
from tests.conftest import World

HEADER = "case_reference,team,allocated_practitioner_email,date_of_birth,child_in_need,child_protection_plan_start,looked_after,care_leaver,family_first\n"


@pytest.fixture
async def setting(world: World) -> tuple[Team, Person]:
    csc = await world.service()
    team = await world.team(csc, "Assessment Team 1")
    worker = await world.person("Ann Worker", (Role.PRACTITIONER, ScopeType.TEAM, team), team=team)
    return team, worker


async def _import(world: World, content: str, actor: Actor = SYSTEM) -> importer.ImportReport:
    rows, problems = importer.read_csv_text(content)
    if problems:
        return importer.ImportReport(problems=problems)
    async with world.session_factory() as s, s.begin():
        report = await importer.import_children(
            session=s, actor=actor, clock=world.clock, rows=rows
        )  # type: ignore[arg-type]
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


async def test_a_file_without_the_required_columns_is_refused(world: World) -> None:
    report = await _import(world, "case_reference,dob\nCR-1,2015-01-01\n")
    assert {p.column for p in report.problems} == {"team", "date_of_birth"}


async def test_only_the_operator_imports_children(
    world: World, setting: tuple[Team, Person]
) -> None:
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    async with world.session_factory() as s:
        from domain.people.service import actor_for_person

        actor = await actor_for_person(s, admin)
    with pytest.raises(NotAllowed):
        await _import(world, HEADER + "CR-1,Assessment Team 1,,2015-03-01,no,,no,no,no\n", actor)


def test_the_cli_reports_refused_rows_and_exits_non_zero(
    world: World, setting: tuple[Team, Person], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plain (sync) test: the CLI runs its own event loop, as it does for the operator.
    from cli.main import app
    from domain.core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "CR-9,Nowhere,,2015-03-01,no,,no,no,no\n")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "CR-9,Assessment Team 1,,2015-03-01,no,,no,no,no\n")
    runner = CliRunner()
    try:
        result = runner.invoke(app, ["import-children", str(bad)])
        assert result.exit_code == 1
        assert "no team is called 'Nowhere'" in result.output
        assert "Nothing was imported" in result.output
        result = runner.invoke(app, ["import-children", "--dry-run", str(good)])
        assert result.exit_code == 0, result.output
        assert "Would import 1 rows: 1 new" in result.output
        result = runner.invoke(app, ["import-children", str(good)])
        assert "Imported 1 rows: 1 new" in result.output
        result = runner.invoke(app, ["import-children", str(good)])
        assert "0 new, 0 updated, 1 unchanged" in result.output
    finally:
        get_settings.cache_clear()


async def test_a_row_with_a_nul_character_is_refused_with_its_reason(
    world: World, setting: tuple[Team, Person]
) -> None:
    report = await _import(world, HEADER + "CR-1,Assessment\x00 Team 1,,2015-03-01,no,,no,no,no\n")
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (2, "team", "contains a NUL character")
    ]
    assert await _children(world) == []
