"""The respondent JSON API fuzzed from its own OpenAPI document with schemathesis (its Python
API, against the real Starlette app in-process, a real PostgreSQL and Redis): every operation
gets requests that fit the document and requests that do not, each with a real link's token
(an open survey's, then the same link answered), a well-formed token that opens nothing, random
text or no token at all. Every response must be no 5xx and conform to the document: its status
listed, its body and headers as described, and data that breaks the document refused.

Bounded and reproducible: a fixed number of examples per operation and mode, derandomized (the
same cases on every run, no example database). The counts are printed (`pytest -s`)."""

from __future__ import annotations

import collections
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from redis.asyncio import Redis
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from api.app import Services, create_app
from domain.core.settings import Settings
from domain.surveys import campaigns
from domain.surveys.models import SurveyVersion
from tests.conftest import World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import (
    annual_campaign,
    printed_for,
    valid_answers,
)

EXAMPLES = {GenerationMode.POSITIVE: 60, GenerationMode.NEGATIVE: 40}
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass
class Links:
    """Six links of an open survey, three of one closed a moment ago (in its grace period
    for answers completed offline), and the answers that fit each link's survey version."""

    open: list[str]
    closed: list[str]
    closed_at: datetime
    answers: dict[str, dict[str, Any]]


@pytest.fixture
async def links(world: World, town: Authority) -> Links:
    runner = town.actor(town.qa_lead)
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    made = await annual_campaign(world, runner, printed_for(refs))
    ended = await annual_campaign(
        world, runner, printed_for([c.case_reference for c in town.cat_children])
    )
    async with world.session_factory() as s, s.begin():
        await campaigns.close_campaign(
            session=s, actor=runner, clock=world.clock, campaign_id=ended.campaign.id
        )
    answers: dict[str, dict[str, Any]] = {}
    async with world.session_factory() as s:
        for token, invitation in zip(
            made.tokens + ended.tokens, made.invitations + ended.invitations, strict=True
        ):
            version = await s.get(SurveyVersion, invitation.survey_version_id)
            assert version is not None
            answers[token] = valid_answers(dict(version.definition))
    return Links(made.tokens, ended.tokens, world.clock.now(), answers)


@pytest.fixture
def fuzzed_app(settings: Settings, world: World) -> Iterator[Any]:
    """The real app with its own engine and Redis client: schemathesis runs ASGI apps on an
    event loop of its own, which the test session's engine cannot be shared with. The
    respondent limits are raised so that the cases reach the handlers (429s have their own
    tests in test_respond_api.py)."""
    roomy = settings.model_copy(
        update={
            "respondent_requests_per_token": 100_000,
            "respondent_requests_per_address": 100_000,
        }
    )
    # No pool: that loop lives on after the test, and must keep no connection open.
    services = Services(
        roomy,
        clock=world.clock,
        engine=create_async_engine(roomy.database_url, poolclass=NullPool),
        redis=Redis.from_url(roomy.redis_url, socket_connect_timeout=2, socket_timeout=2),
    )
    yield create_app(roomy, services=services)


def _tokens(links: Links) -> st.SearchStrategy[tuple[str, str | None]]:
    printable = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
    closed = links.closed[1:]  # the first is kept for _explicit_late_answers, unanswered
    return st.one_of(
        st.sampled_from(links.open).map(lambda t: ("valid", t)),
        st.sampled_from(links.open).map(lambda t: ("valid, fitting answers", t)),
        st.sampled_from(closed).map(lambda t: ("closed", t)),
        st.sampled_from(closed).map(lambda t: ("closed, done before", t)),
        st.sampled_from(closed).map(lambda t: ("closed, done after", t)),
        st.text(alphabet=BASE32, min_size=26, max_size=26).map(lambda t: ("unknown", t)),
        st.text(alphabet=printable, max_size=40).map(lambda t: ("random", t)),
        st.just(("none", None)),
    )


def _fitted(case: Any, kind: str, token: str, links: Links) -> None:
    """Give a positive submission answers that fit its link's survey, and for a closed link a
    completion time a minute before or after the close, so that the cases reach storing
    answers and the grace period's refusals, not only the checks of their shape."""
    if not (isinstance(case.body, dict) and "answers" in case.body):
        return
    body = {**case.body, "answers": links.answers[token], "submissionId": str(uuid.uuid4())}
    body.pop("completedAt", None)
    if kind.startswith("closed, done"):
        minute = timedelta(minutes=-1 if kind.endswith("before") else 1)
        body["completedAt"] = (links.closed_at + minute).isoformat()
    case.body = body


Counts = collections.Counter[tuple[str, str, str, int]]


def _fuzz(operation: Any, mode: GenerationMode, links: Links, counts: Counts) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), token=_tokens(links))
    @hypothesis.settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def run(case: Any, token: tuple[str, str | None]) -> None:
        kind, value = token
        headers = {} if value is None else {"Survey-Token": value}
        if value is not None and "," in kind and mode is GenerationMode.POSITIVE:
            _fitted(case, kind, value, links)
        response = case.call(headers=headers)
        counts[(operation.label, mode.value, kind, response.status_code)] += 1
        assert response.status_code < 500, response.text
        # "Schema-valid data is accepted" is replaced by the assertion below: a request that
        # fits the document is still refused for its link's state (410 closed or opted out,
        # 409 answered) or, for a submission, for answers that do not fit that link's survey
        # (422): both are documented refusals about the link, not about the request's shape.
        if mode is GenerationMode.POSITIVE and not operation.path.endswith("/submissions"):
            assert response.status_code not in (400, 413, 422), response.text
        case.validate_response(
            response, headers=headers, excluded_checks=[positive_data_acceptance]
        )

    run()


def _explicit_late_answers(operation: Any, links: Links, counts: Counts) -> None:
    """Besides what hypothesis draws: a closed link's answers completed a minute before the
    close (taken) and a minute after it (refused), through the same checks."""
    for kind, token in (
        ("closed, done before", links.closed[0]),
        ("closed, done after", links.closed[1]),
    ):
        case = operation.Case(
            body={"submissionId": "x", "answers": {}}, media_type="application/json"
        )
        _fitted(case, kind, token, links)
        headers = {"Survey-Token": token}
        response = case.call(headers=headers)
        counts[(operation.label, "explicit", kind, response.status_code)] += 1
        case.validate_response(
            response, headers=headers, excluded_checks=[positive_data_acceptance]
        )
        assert response.status_code == (201 if kind.endswith("before") else 409), response.text


def test_the_respondent_api_answers_every_fuzzed_request_as_its_document_says(
    fuzzed_app: Any, links: Links, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = schemathesis.openapi.from_asgi("/respond/v1/openapi.json", fuzzed_app)
    counts: Counts = collections.Counter()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would raise here anyway
        for mode in EXAMPLES:
            # The survey and the opt-out take only free strings (the token, `lang`): nothing
            # sent to them can break the document, so only submissions have a negative mode.
            if mode is GenerationMode.NEGATIVE and not operation.path.endswith("/submissions"):
                continue
            _fuzz(operation, mode, links, counts)
        if operation.path.endswith("/submissions"):
            _explicit_late_answers(operation, links, counts)
    with capsys.disabled():
        print(f"\nrespondent API fuzz: {sum(counts.values())} requests")
        for (label, drawn, kind, status), n in sorted(counts.items()):
            print(f"  {label:28} {drawn:8} {kind:24} {status}: {n}")
    statuses = {status for (_, _, _, status) in counts}
    # The cases reached the handlers and the grace period, not only the refusals at the door.
    assert {200, 201, 400, 404, 409, 410, 422} <= statuses, statuses
    late = {
        (kind, status)
        for (label, mode, kind, status) in counts
        if label.endswith("/submissions") and mode != "negative" and kind.startswith("closed, ")
    }
    # Completed before the close: taken (or, for a link already answered, 409); after: 409.
    assert late <= {("closed, done before", 201), ("closed, done before", 409)} | {
        ("closed, done after", 409)
    }, late
    assert {("closed, done before", 201), ("closed, done after", 409)} <= late, late
