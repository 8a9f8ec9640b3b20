"""The schema's executor: graphql-core's own, freed by reference counting when it is done.

graphql-core's executor refers to itself (`async_helpers`, the helpers it hands resolvers, are
its own bound methods), so only the cycle collector frees it, and with it the request's
variables: for a 10,000-message batch, the whole batch outlived the request until a collection
of an older generation, which the server runs rarely (backend/memory.py). When the operation is
done this executor drops that self-reference, so reference counting frees the request at once.

Only documented points are used: graphql-core documents passing an `Executor` subclass as the
executor class, its `execute_operation` method and its `async_helpers` attribute; everything
else, field execution included, is graphql-core's (through Strawberry's executor).
"""

from __future__ import annotations

from typing import Any

from graphql import ExecutionResult, GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


def _finished(*args: Any) -> Any:
    raise RuntimeError("the operation has finished; its executor takes no more work")


# What a finished executor holds in place of its own bound methods.
_FINISHED = GraphQLResolveInfoHelpers(gather=_finished, track=_finished)


class ReportExecutionContext(StrawberryGraphQLCoreExecutionContext):
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
