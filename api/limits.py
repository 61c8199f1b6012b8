"""What a GraphQL document may ask for, decided before anything runs, in time linear in the
document as written.

Fragments are what make a small document large: a fragment that spreads the next one twice,
forty times over, is a 1 KB document standing for 2^40 fields. So every figure here is worked
out once per fragment (memoised) and reused wherever that fragment is spread; nothing expands
a spread again and again. In order, each only once the one before has passed:

1. depth, aliases and fields with every spread expanded (`Shape`, counted per fragment);
2. repeats: how often one field is asked for at one place of the response once fragments and
   siblings merge. graphql-core's OverlappingFieldsCanBeMergedRule compares such fields in
   pairs (about 1.5 s for 20 x 20 `lineManager`s in 1,700 tokens), so its work is bounded here
   first. This walk does expand fragments, which step 1 has already bounded;
3. graphql-core's standard rules (and strawberry's two), suggestions hidden outside
   development;
4. the cost, with the operation's variables (`query_cost`): see docs/limits.md.

Steps 1-3 depend on the document alone and are cached by its text.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    specified_rules,
    validate,
)
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from domain.core.settings import Settings

# A connection's page when `first` is left out or null (the schema says 20), and what a list
# without `first` is taken to hold (a person's roles, an audit's sections: a handful each).
DEFAULT_PAGE = 20
LIST_FACTOR = 5

STANDARD_RULES: tuple[type[ASTValidationRule], ...] = (
    *specified_rules,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


def _refusal(message: str, **figures: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "INVALID", **figures})


def _limit_error(what: str, figure: str, value: int, limit: int) -> GraphQLError:
    expanded = "" if figure == "depth" else " (fragments expanded)"
    message = f"{what.format(value)}{expanded}; the limit is {limit}."
    return _refusal(message, **{figure: value}, limit=limit)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


@dataclass(frozen=True)
class Shape:
    """A selection set's size with every fragment spread expanded."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0


class Shapes:
    """Shapes of a document's operations; each fragment is measured once. `visits` counts the
    selections looked at: the tests show it grows with the document, not with its expansion."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = _fragments(document)
        self.memo: dict[str, Shape] = {}
        self.measuring: set[str] = set()
        self.cyclic = False
        self.visits = 0

    def fragment(self, name: str) -> Shape:
        if name in self.measuring:
            self.cyclic = True  # counts nothing here; NoFragmentCyclesRule reports it
            return Shape()
        if name not in self.memo:
            definition = self.fragments.get(name)
            if definition is None:
                return Shape()  # KnownFragmentNamesRule reports it
            self.measuring.add(name)
            self.memo[name] = self.selection_set(definition.selection_set)
            self.measuring.discard(name)
        return self.memo[name]

    def selection_set(self, node: SelectionSetNode | None) -> Shape:
        depth = aliases = fields = 0
        for selection in node.selections if node else ():
            self.visits += 1
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                fields += 1 + inner.fields
                aliases += (selection.alias is not None) + inner.aliases
                # Introspection's depth is graphql-core's MaxIntrospectionDepthRule's concern.
                if selection.selection_set and not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
                continue
            if isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
            else:
                assert isinstance(selection, InlineFragmentNode)
                inner = self.selection_set(selection.selection_set)
            depth = max(depth, inner.depth)
            aliases += inner.aliases
            fields += inner.fields
        return Shape(depth, aliases, fields)


def repeats(document: DocumentNode, operation: OperationDefinitionNode) -> tuple[int, str] | None:
    """The most field nodes merged into one place of the response, and that place's name.

    This walk expands fragments, so run it only on a document whose expanded field count is
    bounded; each field node is then visited once per place it lands, and no more.
    """
    fragments = _fragments(document)
    worst: tuple[int, str] | None = None
    pending: list[tuple[str, list[SelectionSetNode]]] = [("", [operation.selection_set])]
    while pending:
        path, sets = pending.pop()
        by_key: dict[str, list[FieldNode]] = {}
        expanded: set[str] = set()
        queue = [s for selection_set in sets for s in selection_set.selections]
        while queue:
            selection = queue.pop()
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                by_key.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                queue.extend(selection.selection_set.selections)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in expanded and name in fragments:
                    expanded.add(name)  # spread twice at one place, it is the same fields
                    queue.extend(fragments[name].selection_set.selections)
        for key, nodes in by_key.items():
            place = f"{path}.{key}" if path else key
            if worst is None or len(nodes) > worst[0]:
                worst = (len(nodes), place)
            children = [n.selection_set for n in nodes if n.selection_set is not None]
            if children:
                pending.append((place, children))
    return worst


def _select(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = _operations(document)
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class DocumentCheck:
    """Steps 1-3 of this module for one schema's limits, cached by the document's text (the
    same text parses to the same document)."""

    def __init__(
        self,
        settings: Settings,
        *,
        hide_suggestions: bool,
        extra_rules: tuple[type[ASTValidationRule], ...] = (),
        cache_size: int = 512,
    ) -> None:
        self.rules = STANDARD_RULES + extra_rules
        self.max_depth = settings.max_query_depth
        self.max_aliases = settings.max_query_aliases
        self.max_fields = settings.max_query_fields
        self.max_repeats = settings.max_field_repeats
        self.hide_suggestions = hide_suggestions
        self.cache_size = cache_size
        self.cache: OrderedDict[str, list[GraphQLError]] = OrderedDict()

    def __call__(
        self, schema: GraphQLSchema, query: str, document: DocumentNode
    ) -> list[GraphQLError]:
        if query in self.cache:
            self.cache.move_to_end(query)
            return list(self.cache[query])
        try:
            errors = self.bounds(document)
        except RecursionError:
            errors = [_refusal("This document is nested too deeply.")]
        if not errors:
            errors = validate(schema, document, self.rules, hide_suggestions=self.hide_suggestions)
        self.cache[query] = errors
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return list(errors)

    def bounds(self, document: DocumentNode) -> list[GraphQLError]:
        shapes = Shapes(document)
        errors = []
        fields = 0  # of every operation together: the repeat walk below goes through them all
        for operation in _operations(document):
            shape = shapes.selection_set(operation.selection_set)
            fields += shape.fields
            for figure, value, limit, what in (
                ("depth", shape.depth, self.max_depth, "This query's depth is {}"),
                ("aliases", shape.aliases, self.max_aliases, "This query uses {} aliases"),
            ):
                if value > limit:
                    errors.append(_limit_error(what, figure, value, limit))
        if fields > self.max_fields:
            errors.append(
                _limit_error("This query asks for {} fields", "fields", fields, self.max_fields)
            )
        if errors or shapes.cyclic:
            return errors
        for operation in _operations(document):
            worst = repeats(document, operation)
            if worst is not None and worst[0] > self.max_repeats:
                count, place = worst
                errors.append(
                    _refusal(
                        f"This query asks for `{place}` {count} times at one place; "
                        f"the limit is {self.max_repeats}.",
                        repeats=count,
                        limit=self.max_repeats,
                    )
                )
        return errors


def operation_name_error(document: DocumentNode, given: str | None) -> GraphQLError | None:
    """The GraphQL spec: with several operations in a document, `operationName` says which."""
    if given is None and len(_operations(document)) > 1:
        return _refusal(
            "This document holds several operations: say which to run with `operationName`."
        )
    return None


# --- cost ------------------------------------------------------------------------------------

# A selection set's cost is a pair: what it costs once, and what it costs for each item of the
# page when it is a connection's selection (its `edges`): the connection multiplies that by
# `first`. Plain tuples: this runs on every request, and a dataclass per field costs 4x.
Cost = tuple[int, int]
FREE: Cost = (0, 0)


class FieldKind(Enum):
    FREE = "scalar, enum or introspection"
    OBJECT = "one object"
    PAGED = "takes `first`"
    PAGE = "a connection's list of items"
    LIST = "a list without `first`"


@lru_cache(maxsize=4096)
def _kind(parent: GraphQLNamedType, name: str) -> tuple[FieldKind, GraphQLNamedType | None]:
    """What a field of a type is, for costing; cached (types are made once per schema)."""
    if name.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return FieldKind.FREE, None  # introspection: from memory, admins only in production
    definition = parent.fields[name]
    named = get_named_type(definition.type)
    if is_leaf_type(named):
        return FieldKind.FREE, None
    if "first" in definition.args:
        return FieldKind.PAGED, named
    if not is_list_type(get_nullable_type(definition.type)):
        return FieldKind.OBJECT, named
    if parent.name.endswith("Connection"):  # the page itself: its length is `first`
        return FieldKind.PAGE, named
    return FieldKind.LIST, named


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = _fragments(document)
        self.memo: dict[str, Cost] = {}
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = int(definition.default_value.value)

    def page_size(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, int(value.value))
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(0, given)
        return DEFAULT_PAGE

    def fragment(self, name: str) -> Cost:
        if name not in self.memo:
            definition = self.fragments[name]
            parent = self.schema.get_type(definition.type_condition.name.value)
            self.memo[name] = self.selection_set(definition.selection_set, parent)
        return self.memo[name]

    def selection_set(self, node: SelectionSetNode | None, parent: Any) -> Cost:
        fixed = per_item = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                once, each = self.field(selection, parent)
            elif isinstance(selection, FragmentSpreadNode):
                once, each = self.fragment(selection.name.value)
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                once, each = self.selection_set(selection.selection_set, inner)
            fixed += once
            per_item += each
        return fixed, per_item

    def field(self, node: FieldNode, parent: Any) -> Cost:
        kind, named = _kind(parent, node.name.value)
        if kind is FieldKind.FREE:
            return FREE
        once, each = self.selection_set(node.selection_set, named)
        if kind is FieldKind.PAGED:
            return 1 + once + self.page_size(node) * each, 0
        if kind is FieldKind.OBJECT:
            return 1 + once + each, 0
        if kind is FieldKind.PAGE:
            return 0, once + each
        return LIST_FACTOR * (1 + once + each), 0


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """What `operation` may cost with these variables: every object the response may hold
    counts 1, a connection's items `first` times (20 when left out), a list without `first`
    5 times; scalars and enums count nothing. Run it on a valid document only."""
    costing = _Costing(schema, document, operation, variables or {})
    root = schema.get_root_type(operation.operation)
    once, each = costing.selection_set(operation.selection_set, root)
    return once + each


def cost_error(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limit: int,
) -> GraphQLError | None:
    operation = _select(document, operation_name)
    if operation is None:
        return None  # graphql-core reports the unknown operation
    cost = query_cost(schema, document, operation, variables)
    if cost <= limit:
        return None
    return GraphQLError(
        f"This query would cost {cost}; the limit is {limit}.",
        extensions={"code": "INVALID", "cost": cost, "limit": limit},
    )
