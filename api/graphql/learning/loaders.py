"""Task and Finish Groups by id, as far as the caller may see them, and their learning."""

from __future__ import annotations

import uuid

from api.graphql.core.loaders import Loader, lists_of, visible_by_id
from domain.audits.models import LearningPoint
from domain.learning import service as learning
from domain.learning.models import TaskAndFinishGroup

TASK_AND_FINISH_GROUP: Loader[uuid.UUID, TaskAndFinishGroup | None] = visible_by_id(
    lambda s, a, ids: learning.get_groups(session=s, actor=a, ids=ids)
)
LEARNING_OF_GROUP: Loader[uuid.UUID, list[LearningPoint]] = lists_of(learning.learning_of)
