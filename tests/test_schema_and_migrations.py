"""schema.graphql is current, and the migrations build exactly what the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.graphql.schema import schema
from domain.models import Base

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_current() -> None:
    exported = (ROOT / "schema.graphql").read_text()
    assert exported == schema.as_str() + "\n", "schema.graphql is stale: run `make schema`"


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

    missing = []
    for name, gtype in schema._schema.type_map.items():
        if name.startswith("__") or name in ("String", "Boolean", "Int", "Float", "ID"):
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInputObjectType):
            for fname, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{fname}")
                for aname, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{fname}({aname})")
        if isinstance(gtype, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, d in gtype.values.items() if not d.description]
    # Relay's own PageInfo/Node fields and the scalar JSON come described by Strawberry.
    assert missing == []


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_from_empty_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        differences = await conn.run_sync(_diff)
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert differences == []
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


async def test_history_is_append_only(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(
            text(
                "INSERT INTO history (occurred_at, actor_label, action, object_type, object_id, changes)"
                " VALUES (now(), 'system', 'test', 'Person', gen_random_uuid(), '{}')"
            )
        )
        for statement in ("UPDATE history SET action = 'forged'", "DELETE FROM history"):
            savepoint = await conn.begin_nested()
            try:
                await conn.execute(text(statement))
            except Exception as exc:
                assert "append-only" in str(exc)
                await savepoint.rollback()
            else:
                raise AssertionError(f"{statement} was allowed")
        await conn.rollback()


def test_migrations_go_down_to_empty_and_up_again(services_urls: tuple[str, str]) -> None:
    # A plain test: Alembic's async env runs its own event loop, as it does for the operator.
    import asyncio

    from sqlalchemy.engine import make_url

    from cli import migrate
    from tests.conftest import _recreate_database

    base = make_url(services_urls[0])
    url = base.set(database=f"{base.database}_migrations").render_as_string(False)
    asyncio.run(_recreate_database(url))
    migrate.upgrade(url)
    migrate.downgrade(url, "base")

    async def tables() -> set[str]:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    assert asyncio.run(tables()) == {"alembic_version"}
    migrate.upgrade(url)
    assert {t.name for t in Base.metadata.sorted_tables} <= asyncio.run(tables())
