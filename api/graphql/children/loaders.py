"""Children by id, as far as the caller may see them."""

from __future__ import annotations

import uuid

from api.graphql.core.loaders import Loader, visible_by_id
from domain.children import service as children
from domain.children.models import Child

CHILD: Loader[uuid.UUID, Child | None] = visible_by_id(
    lambda s, a, ids: children.get_children(session=s, actor=a, ids=ids)
)
