"""Benchmark: the children CSV import at 100,000 rows, in one transaction, through the same
domain function as `qaf import-children` (`importer.rows_from_file` + `importer.import_children`).

    .venv/bin/python -m bench.children_import [--rows 100000] [--keep-data]

Uses its own database (BENCH_DATABASE_URL, default `qaf_bench_import`, dropped, created and
migrated as the tests do, and dropped again at the end unless --keep-data). Writes a CSV file
of --rows children (20 teams, half allocated to one of 200 practitioners, every optional
column filled) to a temporary directory, then imports it twice: first every child new, then
the same file again (every child unchanged: the re-run path). Prints the wall time of each
import and the process's peak memory (ru_maxrss) before and after, so the import's own share
shows.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import bench_settings, throwaway_database
from domain.children import importer
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory, create_engine, create_session_factory
from domain.core.roles import SYSTEM
from domain.people import service as people

TEAMS = 20
PRACTITIONERS = 200
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def peak_mib() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _setting(factory: SessionFactory, clock: SettableClock) -> tuple[list[str], list[str]]:
    teams: list[str] = []
    emails: list[str] = []
    async with factory() as s, s.begin():
        service = await people.create_service(session=s, actor=SYSTEM, clock=clock, name="CSC")
        team_ids = []
        for n in range(TEAMS):
            team = await people.create_team(
                session=s, actor=SYSTEM, clock=clock, service_id=service.id, name=f"Team {n}"
            )
            teams.append(team.name)
            team_ids.append(team.id)
        for n in range(PRACTITIONERS):
            email = f"worker{n}@example.org"
            await people.create_person(
                session=s,
                actor=SYSTEM,
                clock=clock,
                data=people.PersonFields(
                    display_name=f"Worker {n}", email=email, team_id=team_ids[n % TEAMS]
                ),
            )
            emails.append(email)
    return teams, emails


def _write_file(path: Path, rows: int, teams: list[str], emails: list[str]) -> None:
    today = NOW.date()
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(importer.REQUIRED_COLUMNS + importer.OPTIONAL_COLUMNS)
        for n in range(rows):
            born = today - timedelta(days=200 + (n * 37) % (17 * 365))
            plan = (born + timedelta(days=100)).isoformat() if n % 7 == 0 else ""
            looked_after = n % 5 == 0
            writer.writerow(
                [
                    f"CR-{n:07}",
                    teams[n % len(teams)],
                    born.isoformat() if n % 2 else born.strftime("%d/%m/%Y"),
                    emails[n % len(emails)] if n % 2 else "",
                    "yes" if n % 3 == 0 else "no",
                    plan,
                    "yes" if looked_after else "no",
                    "yes" if not looked_after and n % 11 == 0 else "no",
                    "yes" if n % 13 == 0 else "no",
                ]
            )


async def _import(factory: SessionFactory, clock: SettableClock, path: Path) -> tuple[float, str]:
    began = time.perf_counter()
    async with factory() as s:
        with path.open("rb") as stream:
            async with s.begin():
                report = await importer.import_children(
                    session=s, actor=SYSTEM, clock=clock, rows=importer.rows_from_file(stream)
                )
                if not report.applied:
                    await s.rollback()
    elapsed = time.perf_counter() - began
    if not report.applied:
        sys.exit(f"refused: {report.problem_count} problems, first {report.problems[:3]}")
    counts = (
        f"{report.rows:,} rows: {report.created:,} new, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged"
    )
    return elapsed, counts


async def _measure(factory: SessionFactory, clock: SettableClock, rows: int) -> None:
    teams, emails = await _setting(factory, clock)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "children.csv"
        began = time.perf_counter()
        _write_file(path, rows, teams, emails)
        print(
            f"file: {rows:,} rows, {path.stat().st_size / 2**20:.1f} MiB, written in "
            f"{time.perf_counter() - began:.1f} s; {os.cpu_count()} cores, load "
            f"{os.getloadavg()[0]:.1f}; peak memory before importing {peak_mib():.0f} MiB"
        )
        for label in ("first import", "re-run"):
            elapsed, counts = await _import(factory, clock, path)
            print(
                f"{label}: {counts} in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s), "
                f"one transaction; peak memory {peak_mib():.0f} MiB"
            )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    settings = bench_settings("qaf_bench_import")
    async with throwaway_database(settings.database_url, keep=args.keep_data):
        engine = create_engine(settings)
        try:
            await _measure(create_session_factory(engine), SettableClock(NOW), args.rows)
        finally:
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
