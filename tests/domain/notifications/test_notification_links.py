"""Every message links to what it is about in the front-end: each subject type the domain
names (read from the domain's own code, not listed here) has a page, every kind of obligation
has its step worded, links use the API's global ids, FRONTEND_BASE_URL is checked, and news
told at once carries its link in the application and in the email."""

from __future__ import annotations

import ast
import base64
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from api.graphql.core.ids import global_id as api_global_id
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import ConfigurationError, Settings, check_startable
from domain.deadlines.models import ObligationKind
from domain.notifications import links
from domain.notifications.messages import tell
from domain.notifications.models import Notification, NotificationKind, OutboxMessage
from domain.reminders import sweep as reminders
from tests.conftest import World

DOMAIN = Path(__file__).resolve().parents[3] / "domain"


class _SubjectTypes(ast.NodeVisitor):
    """The subject types a module names: `subject_type=` arguments, `"subject_type":` keys
    and `….subject_type == …` comparisons, whose value is a string, a module constant, or
    `type(x).__name__` for a parameter `x` annotated with model classes. A parameter passed
    on as it came is its callers' business (they are read too). Anything else is
    reported, so that a new way of naming a subject cannot slip past the check."""

    def __init__(self, tree: ast.Module, where: str) -> None:
        self.where = where
        self.constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        self.found: set[str] = set()
        self.unresolved: list[str] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _parameters(self) -> dict[str, ast.expr | None]:
        if not self.functions:
            return {}
        args = self.functions[-1].args
        every = args.posonlyargs + args.args + args.kwonlyargs
        return {a.arg: a.annotation for a in every}

    def _resolve(self, value: ast.expr) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            self.found.add(value.value)
            return
        if isinstance(value, ast.Name):
            if value.id in self.constants:
                self.found.add(self.constants[value.id])
                return
            if value.id in self._parameters():
                return  # passed on as it came
        if (
            isinstance(value, ast.Attribute)
            and value.attr == "__name__"
            and isinstance(value.value, ast.Call)
            and isinstance(value.value.func, ast.Name)
            and value.value.func.id == "type"
            and isinstance(value.value.args[0], ast.Name)
        ):
            annotation = self._parameters().get(value.value.args[0].id)
            names = (
                [n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)]
                if annotation
                else []
            )
            if names:
                self.found.update(names)
                return
        self.unresolved.append(f"{self.where}:{value.lineno}: {ast.unparse(value)}")

    def visit_Call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg == "subject_type":
                self._resolve(keyword.value)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "subject_type":
                self._resolve(value)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        if any(isinstance(s, ast.Attribute) and s.attr == "subject_type" for s in sides):
            for side in sides:
                if not (isinstance(side, ast.Attribute) and side.attr == "subject_type"):
                    self._resolve(side)
        self.generic_visit(node)


def subject_types_in_domain() -> tuple[set[str], list[str]]:
    found: set[str] = set()
    unresolved: list[str] = []
    for path in sorted(DOMAIN.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        visitor = _SubjectTypes(tree, str(path.relative_to(DOMAIN.parent)))
        visitor.visit(tree)
        found |= visitor.found
        unresolved += visitor.unresolved
    return found, unresolved


def test_every_subject_type_the_domain_names_has_a_page_in_the_front_end() -> None:
    found, unresolved = subject_types_in_domain()
    assert unresolved == [], "subject types the check cannot read; name them plainly"
    # The scan reads what it should: obligations' and notifications' subjects alike.
    assert {"Audit", "AuditAction", "InadequateEscalation", "Obligation"} <= found
    missing = sorted(found - set(links.PATHS))
    assert missing == [], f"add a front-end path to domain/notifications/links.py: {missing}"


def test_every_kind_of_obligation_has_its_step_worded() -> None:
    assert set(reminders.STEPS) == set(ObligationKind)


def test_links_use_the_global_ids_the_api_gives() -> None:
    object_id = uuid.uuid4()
    for type_name, template in links.PATHS.items():
        gid = links.global_id(type_name, object_id)
        assert gid == api_global_id(type_name, object_id)
        path = links.path_for(type_name, object_id)
        assert path == template.format(id=gid.replace("/", "%2F").replace("+", "%2B"))
        assert base64.b64decode(gid).decode() == f"{type_name}:{object_id}"
    assert links.path_for("Child", object_id) is None  # no page, and never a child's


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://qa.example.org", "https://qa.example.org"),
        ("https://qa.example.org/", "https://qa.example.org"),
        ("https://example.org/quality/", "https://example.org/quality"),
        ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
    ],
)
def test_the_front_end_address_is_kept_without_a_trailing_slash(given: str, kept: str) -> None:
    settings = _settings(frontend_base_url=given)
    assert settings.frontend_base_url == kept
    assert links.absolute("/audits/x", settings.frontend_base_url) == f"{kept}/audits/x"


@pytest.mark.parametrize(
    "bad",
    [
        "qa.example.org",
        "/audits",
        "ftp://qa.example.org",
        "javascript:alert(1)",
        "https://",
        "https://user:secret@qa.example.org",
        "https://qa.example.org/?next=1",
        "https://qa.example.org/#top",
        "https://qa.example.org:port",
        "https://qa.example .org",
        "https://qa.example.org/\x00",
    ],
)
def test_a_front_end_address_that_is_not_one_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="frontend_base_url"):
        _settings(frontend_base_url=bad)


def test_production_requires_the_front_end_address() -> None:
    with pytest.raises(ConfigurationError, match="FRONTEND_BASE_URL"):
        check_startable(_settings(environment="production"))


async def test_news_told_at_once_links_to_its_subject_in_the_app_and_the_email(
    world: World, session_factory: SessionFactory, clock: SettableClock
) -> None:
    hos = await world.person("Hal Hos")
    process_id = uuid.uuid4()
    async with session_factory() as s, s.begin():
        told = await tell(
            session=s,
            clock=clock,
            person=hos,
            kind=NotificationKind.INADEQUATE_CONFIRMED,
            title="Inadequate audit confirmed: case C-1",
            body="The QA Lead has confirmed that practice on case C-1 is Inadequate.",
            subject_type="InadequateEscalation",
            subject_id=process_id,
            key=f"escalation:{process_id}:hos-told",
            frontend_base_url="https://qa.example.org",
        )
    assert told
    path = links.path_for("InadequateEscalation", process_id)
    assert path is not None and path.startswith("/escalations/")
    async with session_factory() as s:
        note = await s.scalar(select(Notification))
        mail = await s.scalar(select(OutboxMessage))
    assert note is not None and mail is not None
    assert note.link_path == path
    assert note.body == "The QA Lead has confirmed that practice on case C-1 is Inadequate."
    assert mail.body.splitlines()[-1] == f"Open it in the service: https://qa.example.org{path}"
