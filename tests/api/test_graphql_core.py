"""The GraphQL core on its own: global ids, exposed domain enums, the loader registry and
declared payloads, without a database."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

import pytest
import strawberry

from api.graphql.core.enums import expose
from api.graphql.core.errors import ErrorCode, UserError
from api.graphql.core.ids import decode_id, decode_ids, global_id, node_ids, parse_global_id
from api.graphql.core.loaders import Loader, Loaders
from api.graphql.core.mutations import Payload, payload
from domain.core.errors import ErrorCode as DomainErrorCode
from domain.core.errors import InvalidInput


def test_global_ids_round_trip_and_refuse_other_types() -> None:
    node = uuid.uuid4()
    gid = global_id("Team", node)
    assert parse_global_id(gid) == ("Team", node)
    assert decode_id(gid, "Team", "teamId") == node
    with pytest.raises(InvalidInput) as refused:
        decode_ids([gid, global_id("Person", node)], "Team", "teamIds")
    assert refused.value.field == "teamIds[1]"
    assert node_ids([str(node), "not-a-uuid"]) == [node]


def test_error_code_is_the_domains() -> None:
    assert ErrorCode is DomainErrorCode


def test_expose_needs_every_value_described() -> None:
    class Colour(StrEnum):
        RED = "RED"
        BLUE = "BLUE"

    with pytest.raises(ValueError, match="BLUE"):
        expose(Colour, description="A colour.", values={"RED": "Red."})


class Shade(StrEnum):
    DARK = "DARK"
    LIGHT = "LIGHT"


expose(Shade, name="Tone", description="A tone.", values={"DARK": "Dark.", "LIGHT": "Light."})


@strawberry.type
class ToneQuery:
    @strawberry.field
    def tone(self, tone: Shade) -> Shade:
        assert isinstance(tone, Shade)
        return tone


def test_an_exposed_enum_keeps_its_domain_members() -> None:
    schema = strawberry.Schema(query=ToneQuery)
    sdl = schema.as_str()
    assert '"""A tone."""\nenum Tone {' in sdl and '"""Dark."""\n  DARK' in sdl
    result = schema.execute_sync("{ tone(tone: LIGHT) }")
    assert result.data == {"tone": "LIGHT"}


async def test_loaders_are_made_once_per_request_and_batch() -> None:
    calls: list[list[int]] = []

    async def double(loaders: Loaders, keys: list[int]) -> list[int]:
        calls.append(keys)
        return [k * 2 for k in keys]

    DOUBLE: Loader[int, int] = Loader(double)
    request = Loaders(session_factory=None, actor=None)  # type: ignore[arg-type]
    assert request.get(DOUBLE) is request.get(DOUBLE)
    assert await request.get(DOUBLE).load_many([1, 2, 2]) == [2, 4, 4]
    assert calls == [[1, 2]]
    other = Loaders(session_factory=None, actor=None)  # type: ignore[arg-type]
    assert other.get(DOUBLE) is not request.get(DOUBLE)


@strawberry.type
class Thing:
    name: str

    @classmethod
    def from_model(cls, m: Any) -> Thing:
        return cls(name=str(m))


@payload("thing", Thing, description="The thing.", field_description="It, if it worked.")
class ThingPayload(Payload[int]):
    pass


@strawberry.type
class PayloadQuery:
    @strawberry.field
    def ok(self) -> ThingPayload:
        return ThingPayload.of(7, [])

    @strawberry.field
    def refused(self) -> ThingPayload:
        error = UserError(code=ErrorCode.CONFLICT, field=None, message="No.")
        return ThingPayload.of(None, [error])


def test_a_declared_payload_has_the_usual_shape() -> None:
    schema = strawberry.Schema(query=PayloadQuery)
    sdl = schema.as_str()
    block = sdl[sdl.index("type ThingPayload {") :]
    assert block.index("thing: Thing") < block.index("errors: [UserError!]!")
    assert '"""It, if it worked."""' in block and '"""Empty when it succeeded."""' in block
    result = schema.execute_sync(
        "{ ok { thing { name } errors { code } } refused { thing { name } errors { code } } }"
    )
    assert result.data == {
        "ok": {"thing": {"name": "7"}, "errors": []},
        "refused": {"thing": None, "errors": [{"code": "CONFLICT"}]},
    }
