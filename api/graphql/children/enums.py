"""The children enums: the domain's cohorts as a GraphQL enum."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.children.service import Cohort

__all__ = ["Cohort"]

expose(
    Cohort,
    description="A group of children the framework audits and reports on.",
    values={
        "CHILD_IN_NEED": "Child in need.",
        "CHILD_PROTECTION": "Has a child protection plan.",
        "LOOKED_AFTER": "Looked after (in care).",
        "CARE_LEAVER": "Care leaver.",
        "FAMILY_FIRST": "Supported by Family First.",
    },
)
