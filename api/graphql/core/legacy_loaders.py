"""Transitional: the old `ctx.loaders.<name>` attributes, for code not yet reading its loaders
through `loaders.get(LOADER)`. Delete this module (and type `Context.loaders` as `Loaders`)
once nothing reads them; the feedback and learning loaders move to their concepts' folders."""

from __future__ import annotations

import uuid
from typing import Any

from api.graphql.audits import loaders as audit_loaders
from api.graphql.children.loaders import CHILD
from api.graphql.core.loaders import Loader, Loaders, SharedLoader, lists_of, visible_by_id
from api.graphql.escalation import loaders as escalation_loaders
from api.graphql.people import loaders as people_loaders
from domain.audits.models import LearningPoint, Theme
from domain.feedback import service as feedback
from domain.feedback.models import ComplaintStage
from domain.history.models import HistoryEntry
from domain.learning import service as learning
from domain.learning.models import TaskAndFinishGroup

THEMES_OF_FEEDBACK: Loader[uuid.UUID, list[Theme]] = lists_of(feedback.themes_of)
COMPLAINT_STAGES: Loader[uuid.UUID, list[ComplaintStage]] = lists_of(feedback.stages_of)
FEEDBACK_HISTORY: Loader[uuid.UUID, list[HistoryEntry]] = lists_of(feedback.history_of)
TASK_AND_FINISH_GROUP: Loader[uuid.UUID, TaskAndFinishGroup | None] = visible_by_id(
    lambda s, a, ids: learning.get_groups(session=s, actor=a, ids=ids)
)
LEARNING_OF_GROUP: Loader[uuid.UUID, list[LearningPoint]] = lists_of(learning.learning_of)

_BY_OLD_NAME: dict[str, Loader[Any, Any]] = {
    "person": people_loaders.PERSON,
    "team": people_loaders.TEAM,
    "service": people_loaders.SERVICE,
    "teams_of_service": people_loaders.TEAMS_OF_SERVICE,
    "grants_of_person": people_loaders.GRANTS_OF_PERSON,
    "child": CHILD,
    "audit": audit_loaders.AUDIT,
    "template": audit_loaders.TEMPLATE,
    "section_titles": audit_loaders.SECTION_TITLES,
    "themes_of_audit": audit_loaders.THEMES_OF_AUDIT,
    "actions_of_audit": audit_loaders.ACTIONS_OF_AUDIT,
    "learning_of_audit": audit_loaders.LEARNING_OF_AUDIT,
    "moderations_of_audit": audit_loaders.MODERATIONS_OF_AUDIT,
    "events_of_object": audit_loaders.EVENTS_OF_OBJECT,
    "previous_audit": audit_loaders.PREVIOUS_AUDIT,
    "grades_visible": audit_loaders.GRADES_VISIBLE,
    "benchmark_round": audit_loaders.BENCHMARK_ROUND,
    "audits_of_round": audit_loaders.AUDITS_OF_ROUND,
    "other_cases": escalation_loaders.OTHER_CASES,
    "supervision_reviews": escalation_loaders.SUPERVISION_REVIEWS,
    "escalation_history": escalation_loaders.ESCALATION_HISTORY,
    "escalation_obligations": escalation_loaders.ESCALATION_OBLIGATIONS,
    "themes_of_feedback": THEMES_OF_FEEDBACK,
    "complaint_stages": COMPLAINT_STAGES,
    "feedback_history": FEEDBACK_HISTORY,
    "task_and_finish_group": TASK_AND_FINISH_GROUP,
    "learning_of_group": LEARNING_OF_GROUP,
}


class LegacyLoaders(Loaders):
    """The registry, also answering the old attribute names."""

    def __getattr__(self, name: str) -> SharedLoader[Any, Any]:
        loader = _BY_OLD_NAME.get(name)
        if loader is None:
            raise AttributeError(name)
        return self.get(loader)
