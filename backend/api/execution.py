"""Shorter paths through graphql-core: plain scalar fields, and variable coercion.

A center drilldown answers about 1,000 rows of seven fields. graphql-core executes each field
the same way (resolve info, argument values, awaitable checks, value completion), about 4 µs a
field on the benchmark machine: most of the drilldown's time. Six in seven of those fields are
scalars read straight off a Python object (Strawberry marks their resolvers `_is_default`: no
resolver of ours, no extension, no error handler), and for them the whole of that machinery
amounts to "read the attribute, serialise it". This executor does just that for such fields
and hands everything else, and every case that could produce an error (a missing or null value,
a value the scalar refuses), to graphql-core's own path, so answers and errors are unchanged.

Variables are coerced by `backend.api.coercion` (compiled per input type) rather than by
graphql-core's generic walk; see there.

graphql-core's executor refers to itself (its async-work helpers are its own bound methods), so
only the cycle collector frees it, and with it the request's variables: for a 10,000-message
batch, 20,000 dicts that outlived the request until a collection of an older generation. When
the operation is done this executor drops that self-reference, so reference counting frees the
request at once.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import graphql.execution.executor as graphql_executor
from graphql import (
    ExecutionResult,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from backend.api.coercion import compiled_variable_values

# (reader of the value from the source, scalar) of a plain scalar field, or None.
_Leaf = tuple[Callable[[Any], Any], GraphQLScalarType] | None
# Per object type (by identity: a type belongs to one schema, and the entry keeps it alive so
# its id is not reused), by field name. Looked up for every field, so a plain dict.
_leaves: dict[int, tuple[GraphQLObjectType, dict[str, _Leaf]]] = {}


def _plain_leaf(schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str) -> _Leaf:
    entry = _leaves.get(id(parent_type))
    if entry is None:
        entry = _leaves[id(parent_type)] = (parent_type, {})
    leaves = entry[1]
    if name not in leaves:
        leaves[name] = _find_plain_leaf(schema, parent_type, name)
    return leaves[name]


def _find_plain_leaf(schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str) -> _Leaf:
    field = schema.get_field(parent_type, name)
    if field is None or field.args or field.resolve is None:
        return None
    if not getattr(field.resolve, "_is_default", False):
        return None
    scalar = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(scalar, GraphQLScalarType):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        isinstance(definition, StrawberryField)
        and definition.base_resolver is None
        and definition.default_resolver is getattr
    ):
        # What Strawberry's default resolver comes down to, without its three calls.
        return operator.attrgetter(definition.python_name), scalar
    resolve = field.resolve
    return (lambda source: resolve(source, None)), scalar


def _finished(*args: Any) -> Any:
    raise RuntimeError("the operation has finished; its executor takes no more work")


# What a finished executor holds in place of its own bound methods.
_FINISHED = GraphQLResolveInfoHelpers(gather=_finished, track=_finished)

# The name under which graphql-core's executor module holds its variable coercion.
_COERCION = "get_variable_values"


class ReportExecutionContext(StrawberryGraphQLCoreExecutionContext):
    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        # graphql-core's `build` coerces the variables through its module's
        # `get_variable_values`, with no parameter to pass another: swapped for the length of
        # this (synchronous) call only, so nothing else in the process sees the swap.
        stock = getattr(graphql_executor, _COERCION)
        setattr(graphql_executor, _COERCION, compiled_variable_values)
        try:
            return super().build(*args, **kwargs)
        finally:
            setattr(graphql_executor, _COERCION, stock)

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if isinstance(result, ExecutionResult):
            self._release()
        elif self.is_awaitable(result):
            return self._released_after(result)
        return result

    async def _released_after(self, result: Any) -> Any:
        try:
            return await result
        finally:
            self._release()

    def _release(self) -> None:
        self.async_helpers = _FINISHED

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        leaf = None
        # Strawberry passes a manager on every request; it has middlewares only when an
        # extension hooks into resolvers, and then every field goes the whole way.
        manager = self.middleware_manager
        if (manager is None or not manager.middlewares) and not node.arguments:
            leaf = _plain_leaf(self.schema, parent_type, node.name.value)
        if leaf is not None:
            resolve, scalar = leaf
            try:
                value = resolve(source)
                serialized = None if value is None else scalar.serialize(value)
            except Exception:
                serialized = None  # graphql-core's path reports it
            if serialized is not None and serialized is not Undefined:
                return serialized
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
