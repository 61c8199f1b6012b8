"""`qaf import-children` as an operator runs it (Typer's CliRunner) against the real test
database: a file it cannot read for certain exits 2 with one line on stderr (no traceback, no
case reference) and imports nothing; a good file exits 0 and prints the counts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from domain.children.models import Child
from domain.core.settings import get_settings
from domain.people.models import Team
from tests.conftest import World

HEADER = "case_reference,team,date_of_birth,looked_after\n"
SECRET = "CR-SECRET-41"


@pytest.fixture
async def team(world: World) -> Team:
    csc = await world.service()
    return await world.team(csc, "Assessment Team 1")


@pytest.fixture
def qaf(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str) -> Result:
    from cli.main import app

    return runner.invoke(app, ["import-children", *args])


def children(url: str) -> int:
    """Children in the database, read from outside the command."""

    async def read() -> int:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return int(await conn.scalar(select(func.count()).select_from(Child)) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            (HEADER + f"{SECRET},Équipe,2015-03-01,no\n").encode("latin-1"),
            "Line 2: not UTF-8 text (a Latin-1 or Windows file?); save it as CSV UTF-8.",
        ),
        (
            b"case_reference,team,team,date_of_birth\n"
            + f"{SECRET},Assessment Team 1,x,2015-03-01\n".encode(),
            "Line 1, column 3: the column team appears twice.",
        ),
        (
            (HEADER + f"{SECRET},Assessment Team 1,2015-03-01,no,extra\n").encode(),
            "Line 2: 5 cells where the header has 4.",
        ),
    ],
    ids=["latin-1", "duplicate-team-header", "extra-cell"],
)
def test_a_bad_file_exits_2_with_one_line_and_imports_nothing(
    qaf: CliRunner, team: Team, world: World, tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "children.csv"
    path.write_bytes(content)
    result = run(qaf, str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Nothing was imported: {reason}"]
    assert "Traceback" not in result.output and SECRET not in result.output
    assert children(world.settings.database_url) == 0


def test_a_refused_row_names_its_line_and_column_never_its_value(
    qaf: CliRunner, team: Team, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "children.csv"
    path.write_text(HEADER + f"{SECRET},No Such Team,2015-03-01,no\n", encoding="utf-8")
    result = run(qaf, str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Line 2, column team: no team has that name.",
        "Nothing was imported: 1 problem(s) in 1 rows.",
    ]
    assert SECRET not in result.output
    assert children(world.settings.database_url) == 0


def test_a_good_file_exits_0_with_the_counts_and_a_rerun_updates(
    qaf: CliRunner, team: Team, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "children.csv"
    path.write_text(
        HEADER + "CR-1,Assessment Team 1,2015-03-01,no\nCR-2,assessment team 1,01/02/2010,yes\n",
        encoding="utf-8",
    )
    dry = run(qaf, str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would import 2 rows: 2 new, 0 updated, 0 unchanged." in dry.stdout
    assert children(world.settings.database_url) == 0

    result = run(qaf, str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 2 rows: 2 new, 0 updated, 0 unchanged." in result.stdout
    assert result.stderr == ""
    assert children(world.settings.database_url) == 2

    path.write_text(
        HEADER + "CR-1,Assessment Team 1,2015-03-01,yes\nCR-2,assessment team 1,01/02/2010,yes\n",
        encoding="utf-8",
    )
    again = run(qaf, str(path))
    assert again.exit_code == 0, again.output
    assert "Imported 2 rows: 0 new, 1 updated, 1 unchanged." in again.stdout
    assert children(world.settings.database_url) == 2
