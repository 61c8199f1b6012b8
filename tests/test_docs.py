"""The documentation keeps up with the code: the generated settings reference is current, every
relative link in README.md, docs/ and bench/README.md leads to a file (and, with a #fragment,
to a heading in it), every GraphQL operation shown is valid against schema.graphql, and the
README stays the short page a newcomer reads first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from domain.core.settings import Settings
from tools import settings_reference

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "bench" / "README.md", *(ROOT / "docs").rglob("*.md")])

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE = re.compile(r"`+[^`\n]*`+")
LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return CODE.sub("", FENCE.sub("", text))


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings (lower case, punctuation dropped, spaces
    as hyphens, a repeated heading numbered -1, -2, …)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def relative_links(page: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(page.read_text(encoding="utf-8")))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.I)
    ]


def test_the_pages_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert {"README.md", "docs/operations.md", "docs/api.md", "bench/README.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path, _, fragment = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif fragment and destination.suffix == ".md" and fragment not in anchors(destination):
            broken.append(f"{target}: no heading #{fragment}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_every_graphql_operation_shown_is_valid() -> None:
    """Blocks fenced as `graphql` that are whole documents (not annotated excerpts)."""
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    shown = [
        (page, block)
        for page in PAGES
        for block in re.findall(
            r"^```graphql\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S
        )
        if re.match(r"\s*(query|mutation|subscription|fragment)\b|\s*\{", block)
    ]
    assert shown
    for page, block in shown:
        errors = [e.message for e in validate(schema, parse(block))]
        assert not errors, f"{page.relative_to(ROOT)}: {errors}"


def test_the_settings_reference_is_current() -> None:
    document = settings_reference.DOCUMENT.read_text(encoding="utf-8")
    assert settings_reference.rewritten(document) == document, (
        "docs/operations.md's settings reference is stale: run `make docs`"
    )


def test_every_setting_is_in_the_reference() -> None:
    document = settings_reference.DOCUMENT.read_text(encoding="utf-8")
    for variable, _ in settings_reference.settings_of(Settings):
        assert f"| `{variable}` |" in document


def test_the_readme_stays_short_and_keeps_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300, "README.md is the first page: move detail to docs/"
    # .ci/run runs the README's test command.
    assert "make test" in readme
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip().endswith("make test")
