"""Email through GOV.UK Notify, with the official client talking HTTP to a stub of Notify's
API that the test runs on 127.0.0.1 (POST /v2/notifications/email): each message once, from
the configured template with ((subject)) and ((body)), its outbox key as the Notify
`reference`, signed with a JWT made from the API key; a refusal or a server error is a failed
attempt tried again after a back-off, as an SMTP failure is."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from pydantic import SecretStr
from sqlalchemy import select

from domain.core.clock import SettableClock
from domain.core.db import SessionFactory
from domain.core.settings import ConfigurationError, Settings, check_startable
from domain.notifications import email, outbox
from domain.notifications.models import OutboxMessage
from domain.notifications.notify import NotifySender
from tests.conftest import World
from tests.domain.audits.helpers import Authority
from tests.domain.deadlines.helpers import overdue_line
from tests.domain.notifications.helpers import sweep
from tests.workers.burst import run_jobs
from workers.jobs import send_outbox, sweep_deadlines
from workers.runtime import shutdown, startup

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"qaf_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


@dataclass
class NotifyStub:
    """Records what the client posts; answers each request with the next status (201 once
    the list is used up)."""

    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def notify() -> Iterator[NotifyStub]:
    stub = NotifyStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            stub.requests.append(
                {"path": self.path, "authorization": self.headers["Authorization"], "body": body}
            )
            status = stub.statuses.pop(0) if stub.statuses else 201
            if status == 201:
                answer: dict[str, Any] = {
                    "id": str(uuid.uuid4()),
                    "reference": body.get("reference"),
                    "content": {"subject": "", "body": "", "from_email": "qaf@notify.test"},
                    "template": {"id": body["template_id"], "version": 1, "uri": ""},
                }
            else:
                answer = {
                    "status_code": status,
                    "errors": [{"error": "BadRequestError", "message": "Can't send to this"}],
                }
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def _notify_settings(settings: Settings, stub: NotifyStub) -> Settings:
    return settings.model_copy(
        update={
            "notify_api_key": SecretStr(API_KEY),
            "notify_email_template_id": TEMPLATE_ID,
            "notify_base_url": stub.base_url,
            # Configured too, and unreachable: Notify is preferred when both are set.
            "smtp_host": "127.0.0.1",
            "smtp_port": 9,
        }
    )


async def _run(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    jobs: list[tuple[str, str]],
) -> None:
    numbered = [(name, f"{step}:{job_id}") for step, (name, job_id) in enumerate(jobs)]
    await run_jobs(settings, clock, session_factory, [sweep_deadlines, send_outbox], numbered)


async def _rows(session_factory: SessionFactory) -> list[OutboxMessage]:
    async with session_factory() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.key)))


async def test_the_worker_sends_each_email_once_through_notify(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
    notify: NotifyStub,
) -> None:
    configured = _notify_settings(settings, notify)
    assert isinstance(email.sender_from_settings(configured), NotifySender)
    await overdue_line(world, 2)
    await _run(
        configured, clock, session_factory, [("sweep_deadlines", "s:1"), ("send_outbox", "o:1")]
    )
    await _run(configured, clock, session_factory, [("send_outbox", "o:2")])

    rows = await _rows(session_factory)
    assert len(rows) == 4 and all(r.sent_at is not None and r.attempts == 1 for r in rows)
    assert len(notify.requests) == 4
    assert {r["path"] for r in notify.requests} == {"/v2/notifications/email"}
    by_reference = {r["body"]["reference"]: r["body"] for r in notify.requests}
    assert sorted(by_reference) == [r.key for r in rows]  # the outbox key, each once
    for row in rows:
        sent = by_reference[row.key]
        assert sent["email_address"] == row.to_address
        assert sent["template_id"] == TEMPLATE_ID
        assert sent["personalisation"] == {"subject": row.subject, "body": row.body}
    for request in notify.requests:
        scheme, token = request["authorization"].split(" ")
        assert scheme == "Bearer"
        assert get_token_issuer(token) == SERVICE_ID  # type: ignore[no-untyped-call]
        # Signed with the key's secret, and fresh.
        assert decode_jwt_token(token, SECRET) is True  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("status", [400, 500])
async def test_a_notify_refusal_is_a_failed_attempt_tried_again_after_a_back_off(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
    notify: NotifyStub,
    status: int,
) -> None:
    configured = _notify_settings(settings, notify)
    await overdue_line(world, 2)
    await _run(configured, clock, session_factory, [("sweep_deadlines", "s:1")])
    notify.statuses = [status] * 4
    sender = NotifySender(api_key=API_KEY, template_id=TEMPLATE_ID, base_url=notify.base_url)

    result = await email.deliver(
        session_factory=session_factory, clock=clock, sender=sender, worker_id="w"
    )
    assert (result.claimed, result.sent, result.failed) == (4, 0, 4)
    rows = await _rows(session_factory)
    assert all(r.sent_at is None and r.claimed_at is None and r.attempts == 1 for r in rows)
    assert all(str(status) in (r.last_error or "") for r in rows)
    assert all(r.available_at == clock.now() + outbox.backoff(1) for r in rows)
    again = await email.deliver(
        session_factory=session_factory, clock=clock, sender=sender, worker_id="w"
    )
    assert again.claimed == 0 and len(notify.requests) == 4  # not before the back-off

    clock.advance(outbox.backoff(1))
    later = await email.deliver(
        session_factory=session_factory, clock=clock, sender=sender, worker_id="w"
    )
    assert (later.sent, later.failed) == (4, 0)
    assert [r.attempts for r in await _rows(session_factory)] == [2] * 4
    assert len(notify.requests) == 8


async def test_an_unreachable_notify_is_a_failed_attempt(
    clock: SettableClock, session_factory: SessionFactory, world: World
) -> None:
    await overdue_line(world, 2)
    await sweep(session_factory, clock)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sender = NotifySender(
        api_key=API_KEY, template_id=TEMPLATE_ID, base_url=f"http://127.0.0.1:{port}", timeout=2
    )
    result = await email.deliver(
        session_factory=session_factory, clock=clock, sender=sender, worker_id="w"
    )
    assert (result.sent, result.failed) == (0, 4)


def test_notify_is_chosen_when_configured_then_smtp_then_nothing(settings: Settings) -> None:
    assert email.sender_from_settings(settings) is None
    smtp = settings.model_copy(update={"smtp_host": "mail.example.org"})
    assert isinstance(email.sender_from_settings(smtp), email.SmtpSender)
    half = smtp.model_copy(update={"notify_api_key": SecretStr(API_KEY)})
    assert isinstance(email.sender_from_settings(half), email.SmtpSender)
    with pytest.raises(ConfigurationError, match="NOTIFY_EMAIL_TEMPLATE_ID"):
        check_startable(half)
    both = half.model_copy(update={"notify_email_template_id": TEMPLATE_ID})
    assert isinstance(email.sender_from_settings(both), NotifySender)
    check_startable(both)
    short = both.model_copy(update={"notify_api_key": SecretStr("not-a-key")})
    with pytest.raises(ConfigurationError, match=r"not a GOV\.UK Notify API key"):
        check_startable(short)


async def test_the_worker_sends_survey_texts_once_through_notify_with_their_links(
    settings: Settings,
    clock: SettableClock,
    session_factory: SessionFactory,
    world: World,
    redis: object,
    notify: NotifyStub,
    town: Authority,
) -> None:
    """Text message invitations go through Notify's SMS template, each once, to the number
    given, with the link and the way to stop; the reference is the send's own key."""
    from domain.surveys import dispatch
    from domain.surveys.campaigns import Invitee
    from domain.surveys.models import Channel, InvitationStatus, SurveyInvitation
    from tests.domain.surveys.helpers import annual_campaign
    from workers.jobs import send_invitations

    sms_template = str(uuid.uuid4())
    configured = _notify_settings(settings, notify).model_copy(
        update={"notify_sms_template_id": sms_template, "public_base_url": "https://voices.test"}
    )
    numbers = ["07700 900001", "07700900002"]
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        [
            Invitee(channel=Channel.SMS, child_reference=c.case_reference, contact=n)
            for c, n in zip(town.ann_children, numbers, strict=False)
        ],
    )
    pool = await create_pool(RedisSettings.from_dsn(configured.redis_url))
    try:
        await pool.enqueue_job("send_invitations", _job_id="texts:1")
        worker = Worker(
            functions=[send_invitations],
            redis_settings=RedisSettings.from_dsn(configured.redis_url),
            on_startup=startup,
            on_shutdown=shutdown,
            burst=True,
            poll_delay=0.05,
            ctx={"settings": configured, "clock": clock, "session_factory": session_factory},
            handle_signals=False,
        )
        await worker.main()
        assert worker.jobs_failed == 0
        await worker.close()
    finally:
        await pool.aclose()

    texts = [r for r in notify.requests if r["path"] == "/v2/notifications/sms"]
    assert len(texts) == 2 and len(notify.requests) == 2
    by_number = {t["body"]["phone_number"]: t["body"] for t in texts}
    assert sorted(by_number) == ["+447700900001", "+447700900002"]
    for invitation, token in zip(made.invitations, made.tokens, strict=True):
        body = by_number[invitation.contact or ""]
        assert body["template_id"] == sms_template
        assert body["reference"] == dispatch.send_key(invitation.id, 0)
        text = body["personalisation"]["body"]
        assert f"https://voices.test/s/{token}" in text and "/stop" in text
    async with session_factory() as s:
        rows = list(await s.scalars(select(SurveyInvitation)))
    assert all(r.status is InvitationStatus.SENT and r.sends_done == 1 for r in rows)
