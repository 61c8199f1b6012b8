"""The one global-id codec: encoding, strict decoding, and ids in download paths."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable

import strawberry
from strawberry import relay

from domain.core.errors import InvalidInput

# Global ids whose node id is an integer (history rows); every other type's is a UUID.
INTEGER_ID_TYPES = frozenset({"HistoryEntry"})
MAX_GLOBAL_ID_LENGTH = 200


def global_id(type_name: str, node_id: uuid.UUID | int) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(node_id))))


def parse_global_id(value: object) -> tuple[str, uuid.UUID | int] | None:
    """The one decoder of global ids: the type name and node id of an id exactly as this
    server writes it (`global_id`), or None for anything else. Strict on purpose: standard
    base64 with its padding (no urlsafe alphabet, no missing or extra `=`), ASCII only, and a
    canonical node id (a lowercase hyphenated UUID, or a decimal integer without leading
    zeros), checked by encoding the result again and comparing. So one object has one id,
    and Unicode digits (int() and uuid.UUID() accept an Arabic-Indic zero) never resolve."""
    if not isinstance(value, str) or len(value) > MAX_GLOBAL_ID_LENGTH or not value.isascii():
        return None
    try:
        raw = base64.b64decode(value, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        return None
    type_name, colon, node = raw.partition(":")
    if not colon or not type_name.isidentifier():
        return None
    node_id: uuid.UUID | int
    try:
        node_id = int(node) if type_name in INTEGER_ID_TYPES else uuid.UUID(node)
    except ValueError:
        return None
    if global_id(type_name, node_id) != value:
        return None
    return type_name, node_id


def decode_id(value: strawberry.ID | str, expected: str, field: str) -> uuid.UUID:
    """The UUID inside a global id of the expected type, or an INVALID error for `field`."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != expected or not isinstance(parsed[1], uuid.UUID):
        raise InvalidInput(f"That is not the id of a {expected}.", field=field)
    return parsed[1]


def decode_optional_id(
    value: strawberry.ID | str | None, expected: str, field: str
) -> uuid.UUID | None:
    return None if value is None else decode_id(value, expected, field)


def decode_ids(values: Iterable[strawberry.ID | str], expected: str, field: str) -> list[uuid.UUID]:
    """Several global ids of one type; the first bad one is an INVALID error for `field[i]`."""
    return [decode_id(v, expected, f"{field}[{i}]") for i, v in enumerate(values)]


def parse_uuid(value: str) -> uuid.UUID | None:
    """A UUID in its canonical form only (lowercase, hyphenated), or None."""
    try:
        parsed = uuid.UUID(value) if value.isascii() else None
    except ValueError:
        return None
    return parsed if parsed is not None and str(parsed) == value else None


def id_in_path(value: str, expected: str) -> uuid.UUID | None:
    """An id in a download's path: the global id GraphQL gives, or the plain UUID; None if
    neither (the route answers 404)."""
    try:
        return decode_id(value, expected, "id")
    except InvalidInput:
        return parse_uuid(value)


def uuids_of(ids: Iterable[str]) -> list[uuid.UUID]:
    """The node ids Relay hands to `resolve_nodes` (already taken out of their global ids) as
    UUIDs; any that is not one is left out. (Not named `node_ids`: that is the name of
    `resolve_nodes`' own argument.)"""
    out = []
    for value in ids:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out


# The old name, still imported by modules not yet moved.
node_ids = uuids_of
