"""Shim: the shared GraphQL pieces moved to api/graphql/core/ (see SHIMS-gql.md)."""

from api.graphql.core.errors import ErrorCode as ErrorCode
from api.graphql.core.errors import IsAuthenticated as IsAuthenticated
from api.graphql.core.errors import NotSignedIn as NotSignedIn
from api.graphql.core.errors import UserError as UserError
from api.graphql.core.errors import refusal as refusal
from api.graphql.core.ids import INTEGER_ID_TYPES as INTEGER_ID_TYPES
from api.graphql.core.ids import MAX_GLOBAL_ID_LENGTH as MAX_GLOBAL_ID_LENGTH
from api.graphql.core.ids import decode_id as decode_id
from api.graphql.core.ids import decode_optional_id as decode_optional_id
from api.graphql.core.ids import global_id as global_id
from api.graphql.core.ids import id_in_path as id_in_path
from api.graphql.core.ids import node_ids as node_ids
from api.graphql.core.ids import parse_global_id as parse_global_id
from api.graphql.core.ids import parse_uuid as parse_uuid
from api.graphql.core.mutations import mutate as mutate
from api.graphql.core.pagination import CountedConnection as CountedConnection
from api.graphql.core.pagination import connection as connection
from api.graphql.core.pagination import is_loaded as is_loaded
from api.graphql.core.pagination import read as read
