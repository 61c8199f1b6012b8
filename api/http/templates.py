"""The Jinja2 templates of the pages served without GraphQL (`api/templates/`: the phone page
and the sheet of printed invitations), autoescaped, and their stylesheets, each inlined and
allowed by its hash in the page's Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES = Environment(
    loader=PackageLoader("api", "templates"),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Stylesheet:
    css: Markup
    # base64 of its SHA-256, for `style-src 'sha256-…'`
    digest: str


def stylesheet(name: str) -> Stylesheet:
    """One of our own stylesheets in api/templates/, ready to inline."""
    text = resources.files("api").joinpath(f"templates/{name}").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return Stylesheet(Markup(text), digest)  # noqa: S704 (our own stylesheet, no input in it)
