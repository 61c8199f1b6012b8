"""Compliments and complaints by id, as far as the caller may see them, and their parts."""

from __future__ import annotations

import uuid

from api.graphql.core.loaders import Loader, lists_of, visible_by_id
from domain.audits.models import Theme
from domain.feedback import service as feedback
from domain.feedback.models import ComplaintStage, FeedbackRecord
from domain.history.models import HistoryEntry

FEEDBACK_RECORD: Loader[uuid.UUID, FeedbackRecord | None] = visible_by_id(
    lambda s, a, ids: feedback.get_feedback_records(session=s, actor=a, ids=ids)
)
THEMES_OF_FEEDBACK: Loader[uuid.UUID, list[Theme]] = lists_of(feedback.themes_of)
COMPLAINT_STAGES: Loader[uuid.UUID, list[ComplaintStage]] = lists_of(feedback.stages_of)
FEEDBACK_HISTORY: Loader[uuid.UUID, list[HistoryEntry]] = lists_of(feedback.history_of)
