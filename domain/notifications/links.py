"""Links from what the service tells people to the object it is about in the front-end.

Every reminder, overdue notice, escalation, notice sent at once and digest line carries one:
`<FRONTEND_BASE_URL><path>`, the path from `PATHS` by the subject's GraphQL type name, with
the object's GraphQL global id (the id the front-end reads with `node(id:)`), so a link never
carries anything about a child: it names an audit, a process or a complaint, not the case.
docs/links.md lists the paths for the front-end team; a test fails when the domain names a
subject type that has no path here.
"""

from __future__ import annotations

import base64
import uuid
from urllib.parse import quote

# The front-end's page of each type of object a notification or an obligation is about, by
# GraphQL type name. `{id}` is the object's global id.
PATHS: dict[str, str] = {
    "Audit": "/audits/{id}",
    "AuditAction": "/audit-actions/{id}",
    "FeedbackRecord": "/feedback/{id}",
    "InadequateEscalation": "/escalations/{id}",
    "Obligation": "/obligations/{id}",
    "Person": "/people/{id}",
    "ProgrammeMonth": "/programme/months/{id}",
}


def global_id(type_name: str, object_id: uuid.UUID) -> str:
    """The object's GraphQL global id, as the API writes it (Relay: base64 of `Type:id`)."""
    return base64.b64encode(f"{type_name}:{object_id}".encode()).decode()


def path_for(subject_type: str, subject_id: uuid.UUID) -> str | None:
    """The front-end path of the object, or None for a type without a page."""
    template = PATHS.get(subject_type)
    if template is None:
        return None
    return template.format(id=quote(global_id(subject_type, subject_id), safe="="))


def configured_base_url() -> str:
    """FRONTEND_BASE_URL from the environment, for callers not given one."""
    from domain.core.settings import get_settings

    return get_settings().frontend_base_url


def absolute(path: str, base_url: str | None = None) -> str:
    """The address of a front-end path under `base_url` (by default FRONTEND_BASE_URL)."""
    base = base_url if base_url is not None else configured_base_url()
    return base.rstrip("/") + path


def link_line(url: str) -> str:
    """How an email gives the link, on a line of its own."""
    return f"Open it in the service: {url}"
