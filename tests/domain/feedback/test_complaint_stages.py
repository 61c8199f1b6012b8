"""A complaint's stage deadlines and the text it is given (feedback/records.py), without a
database."""

from __future__ import annotations

import pytest

from domain.core.errors import InvalidInput
from domain.core.settings import PolicySettings
from domain.feedback.records import MAX_TEXT, clean_text, working_days


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Nothing here touches the database."""


def test_each_stage_has_its_working_days_and_its_extension() -> None:
    p = PolicySettings()
    assert working_days(p, 1, extended=False) == p.complaint_stage1_working_days
    assert working_days(p, 1, extended=True) == p.complaint_stage1_extended_working_days
    assert working_days(p, 2, extended=False) == p.complaint_stage2_working_days
    assert working_days(p, 2, extended=True) == p.complaint_stage2_extended_working_days
    assert working_days(p, 3, extended=False) == p.complaint_stage3_panel_working_days
    assert working_days(p, 3, extended=True) == p.complaint_stage3_panel_working_days


def test_text_is_trimmed_required_where_asked_and_bounded() -> None:
    assert clean_text("  why  ", "reason", required=True) == "why"
    assert clean_text("  ", "note", required=False) is None
    with pytest.raises(InvalidInput, match="cannot be empty") as refused:
        clean_text(None, "reason", required=True)
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput, match=f"At most {MAX_TEXT} characters"):
        clean_text("x" * (MAX_TEXT + 1), "reason", required=False)
