"""The Inadequate process tests found the seeded authority (`auth`) when its audit is planned."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.domain.escalation.helpers import PLANNED_AT


@pytest.fixture
def founded_at() -> datetime:
    return PLANNED_AT
