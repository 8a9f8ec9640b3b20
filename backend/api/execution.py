"""Shorter paths through graphql-core: plain scalar fields, and variable coercion.

A center drilldown answers about 1,000 rows of seven fields. graphql-core executes each field
the same way (resolve info, argument values, awaitable checks, value completion), about 4 µs a
field on the benchmark machine: most of the drilldown's time. Six in seven of those fields are
scalars read straight off a Python object (Strawberry marks their resolvers `_is_default`: no
resolver of ours, no extension, no error handler), and for them the whole of that machinery
amounts to "read the attribute, serialise it". This executor does just that for such fields
and hands everything else, and every case that could produce an error (a missing or null value,
a value the scalar refuses), to graphql-core's own path, so answers and errors are unchanged.
The same goes one level up for a plain field whose value is an object selected only for such
scalars or such objects (each drilldown row's `center { id name timezone }`): graphql-core
would resolve the field, complete the object and execute each subfield; here the object's
answer is built directly. And once more for a list of objects selected only for such scalars
and such objects (the drilldown's rows themselves): graphql-core would complete each item as an
object and execute each of its fields; here the list's answer is built row by row, and any row
that is null, or holds a null or refused value, sends the whole list back to graphql-core's
path.

Variables are coerced by `backend.api.coercion` (compiled per input type) rather than by
graphql-core's generic walk; see there.

graphql-core's executor refers to itself (its async-work helpers are its own bound methods), so
only the cycle collector frees it, and with it the request's variables: for a 10,000-message
batch, 20,000 dicts that outlived the request until a collection of an older generation. When
the operation is done this executor drops that self-reference, so reference counting frees the
request at once.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, TypeVar

import graphql.execution.executor as graphql_executor
from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_nullable_type,
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


# The fields selected from an object: (response key, the field's answer from the object, None
# for graphql-core's path to give or report it), each a plain scalar or a plain object of them.
_Row = list[tuple[str, Callable[[Any], Any]]]
# A plain object field: the reader of the object from the source, and the row of its fields.
_Branch = tuple[Callable[[Any], Any], _Row]
# Plans by (finder, type, field node): the parsed documents are cached, so a request sees the
# same nodes again; each entry keeps its node and type alive so their ids are not reused.
# Bounded: every distinct document adds entries.
_plans: dict[tuple[int, int, int], tuple[FieldNode, GraphQLObjectType, Any]] = {}
MAX_PLANS = 4096
_Plan = TypeVar("_Plan")


def _planned(
    find: Callable[[GraphQLSchema, GraphQLObjectType, FieldNode], _Plan | None],
    schema: GraphQLSchema,
    owner_type: GraphQLObjectType,
    node: FieldNode,
) -> _Plan | None:
    key = (id(find), id(owner_type), id(node))
    entry = _plans.get(key)
    if entry is None:
        if len(_plans) >= MAX_PLANS:
            _plans.clear()
        entry = _plans[key] = (node, owner_type, find(schema, owner_type, node))
    plan: _Plan | None = entry[2]
    return plan


def _find_plain_row(
    schema: GraphQLSchema, object_type: GraphQLObjectType, node: FieldNode
) -> _Row | None:
    """The fields `node` selects from its objects (of `object_type`) when each is a plain scalar
    or a plain object of them, selected once, with no directive, fragment or `__typename`;
    None otherwise."""
    if node.selection_set is None:
        return None
    row: _Row = []
    for selection in node.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives or selection.arguments:
            return None
        response_key = (selection.alias or selection.name).value
        if any(response_key == known for known, _ in row):
            return None  # merged selections: graphql-core's business
        if selection.selection_set is None:
            leaf = _plain_leaf(schema, object_type, selection.name.value)
            if leaf is None:  # also `__typename`, which is no field of the type
                return None
            row.append((response_key, functools.partial(_leaf_answer, *leaf)))
        else:
            branch = _planned(_find_plain_branch, schema, object_type, selection)
            if branch is None:
                return None
            row.append((response_key, functools.partial(_object_answer, branch)))
    return row


def _find_plain_branch(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, node: FieldNode
) -> _Branch | None:
    """The plan for `node` when it is a plain field of an object type with a plain row."""
    field = schema.get_field(parent_type, node.name.value)
    if field is None or field.args:
        return None
    object_type = get_nullable_type(field.type)
    if not isinstance(object_type, GraphQLObjectType) or object_type.is_type_of is not None:
        return None
    read = _default_reader(field)
    row = None if read is None else _find_plain_row(schema, object_type, node)
    return None if read is None or row is None else (read, row)


def _find_plain_list(
    schema: GraphQLSchema, item_type: GraphQLObjectType, node: FieldNode
) -> _Row | None:
    """The row of each item of list field `node`, when it has one and the list carries no
    directive (`@stream` included)."""
    if node.directives or item_type.is_type_of is not None:
        return None
    return _find_plain_row(schema, item_type, node)


def _row_answer(row: _Row, source: Any) -> dict[str, Any] | None:
    """The object's answer, or None for graphql-core's path. Raises what a field raises."""
    answer: dict[str, Any] = {}
    for response_key, answer_of in row:
        field_answer = answer_of(source)
        if field_answer is None:
            return None
        answer[response_key] = field_answer
    return answer


def _object_answer(branch: _Branch, source: Any) -> dict[str, Any] | None:
    read, row = branch
    value = read(source)
    return None if value is None else _row_answer(row, value)


def _list_answer(row: _Row, items: list[Any]) -> list[dict[str, Any]] | None:
    """The list's answer, or None for graphql-core's path to give (or report) it."""
    answers: list[dict[str, Any]] = []
    try:
        for item in items:
            answer = None if item is None else _row_answer(row, item)
            if answer is None:
                return None
            answers.append(answer)
    except Exception:
        return None
    return answers


def _default_reader(field: Any) -> Callable[[Any], Any] | None:
    """How Strawberry's default resolver reads this field off its source, or None when the
    field has a resolver of its own."""
    if field.resolve is None or not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        isinstance(definition, StrawberryField)
        and definition.base_resolver is None
        and definition.default_resolver is getattr
    ):
        # What Strawberry's default resolver comes down to, without its three calls.
        return operator.attrgetter(definition.python_name)
    resolve = field.resolve
    return lambda source: resolve(source, None)


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
    if field is None or field.args:
        return None
    scalar = get_nullable_type(field.type)
    if not isinstance(scalar, GraphQLScalarType):
        return None
    read = _default_reader(field)
    return None if read is None else (read, scalar)


def _leaf_answer(read: Callable[[Any], Any], scalar: GraphQLScalarType, source: Any) -> Any:
    """The field's serialised value, or None for graphql-core's path to give (or report) it: a
    null, or a value the scalar refuses. Raises what reading or serialising raises."""
    value = read(source)
    if value is None:
        return None
    serialized = scalar.serialize(value)
    return None if serialized is Undefined else serialized


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
            try:
                serialized = _leaf_answer(*leaf, source)
            except Exception:
                serialized = None  # graphql-core's path reports it
            if serialized is not None:
                return serialized
        elif (
            (manager is None or not manager.middlewares)
            and not node.arguments
            and len(field_details_list) == 1
            and node.selection_set is not None
        ):
            branch = _planned(_find_plain_branch, self.schema, parent_type, node)
            if branch is not None:
                try:
                    answer = _object_answer(branch, source)
                except Exception:
                    answer = None  # graphql-core's path reports it
                if answer is not None:
                    return answer
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        manager = self.middleware_manager
        item_type = get_nullable_type(return_type.of_type)
        if (
            (manager is None or not manager.middlewares)
            and type(result) is list
            and len(field_details_list) == 1
            and isinstance(item_type, GraphQLObjectType)
        ):
            row = _planned(_find_plain_list, self.schema, item_type, field_details_list[0].node)
            if row is not None:
                answers = _list_answer(row, result)
                if answers is not None:
                    return answers
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )
