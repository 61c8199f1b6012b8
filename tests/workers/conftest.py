"""The fault tests' private PostgreSQL template (tests/workers/servers.py) and the fault
table printed at the end of the run (tests/workers/faults.py collects its rows)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli import migrate
from tests.workers.faults import TABLE, table_lines
from tests.workers.servers import PrivatePostgres


@pytest.fixture(scope="session")
def fault_template() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL cluster, migrated and stopped, that every fault scene copies."""
    template = PrivatePostgres.template()
    try:
        migrate.upgrade(template.url())
        template.stop()
        yield template
    finally:
        template.remove()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TABLE:
        return
    terminalreporter.section("fault table: counted at the SMTP server, by Message-ID")
    for line in table_lines(TABLE):
        terminalreporter.write_line(line)
    terminalreporter.write_line(
        "duplicates: extra copies received; allowed: what the sending promise allows there "
        "(docs/concepts/notifications.md, 'Sending: the promise'); drain: from the fault to the last expected message's arrival"
    )
