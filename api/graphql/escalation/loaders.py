"""The parts of Inadequate processes: the caller already sees the process."""

from __future__ import annotations

import uuid

from api.graphql.core.loaders import Loader, Loaders, lists_of, visible_lists
from domain.deadlines.models import Obligation
from domain.escalation import service as escalation
from domain.escalation.models import InadequateEscalation, OtherCaseReview, SupervisionReview
from domain.history.models import HistoryEntry

OTHER_CASES: Loader[uuid.UUID, list[OtherCaseReview]] = visible_lists(escalation.other_cases_of)
SUPERVISION_REVIEWS: Loader[uuid.UUID, list[SupervisionReview]] = lists_of(
    escalation.supervision_reviews_of
)
ESCALATION_HISTORY: Loader[uuid.UUID, list[HistoryEntry]] = visible_lists(escalation.history_of)


def _process_id(process: InadequateEscalation) -> uuid.UUID:
    return process.id


async def _obligations(
    loaders: Loaders, processes: list[InadequateEscalation]
) -> list[list[Obligation]]:
    async with loaders.session_factory() as session:
        found = await escalation.obligations_of(session, processes)
    return [found[p.id] for p in processes]


ESCALATION_OBLIGATIONS: Loader[InadequateEscalation, list[Obligation]] = Loader(
    _obligations, cache_key=_process_id
)
