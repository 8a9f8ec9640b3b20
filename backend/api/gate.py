"""Anonymous requests may only introspect the schema (GraphiQL loads it before a token is
entered); anything else is refused before graphql-core coerces a single variable, so an
unauthenticated request cannot make the server build a large input."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from backend.api.context import Context
from backend.api.limits import chosen_operation
from backend.errors import Unauthenticated


def _introspection_only(operation: OperationDefinitionNode) -> bool:
    """Whether every root field is `__schema`, `__type` or `__typename` (fragments count as
    not: introspection clients write their root fields out)."""
    return all(
        isinstance(selection, FieldNode) and selection.name.value.startswith("__")
        for selection in operation.selection_set.selections
    )


class RequireAuthentication(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        context = execution.context
        if (
            document is not None
            and execution.result is None
            and isinstance(context, Context)
            and context.principal is None
        ):
            operation = chosen_operation(list(document.definitions), execution.operation_name)
            if operation is not None and not _introspection_only(operation):
                try:
                    context.require_principal()
                except Unauthenticated as refusal:
                    execution.result = ExecutionResult(
                        data=None,
                        errors=[GraphQLError(str(refusal), extensions={"code": refusal.code})],
                    )
        yield
