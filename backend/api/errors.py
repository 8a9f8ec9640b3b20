"""How errors leave the API: every one with a message and `extensions.code`, none with a trace.

Errors the product raises on purpose (`ProductError`) keep their message and code. Errors from
parsing, validation and variable coercion are the client's and get a code by kind. Anything
else is a bug or an outage: the client gets a code and a request id, the log gets the detail.

Once formatted, an error's tracebacks are dropped (`release_errors`): a traceback holds the
frames it passed through, and graphql-core's frames hold the error itself, so without that the
request's whole input (a rejected 10,000-message batch: its rows and 10,000 row errors, about
14 MB) stays in a reference cycle until an older generation is collected, which the server's
collector settings (backend/memory.py) make rare.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from graphql import GraphQLError
from tortoise.exceptions import DBConnectionError

from backend.errors import ProductError
from backend.ledger import BatchRejected

logger = logging.getLogger("credit_report.api")


# Strawberry's alias and token limiters report plain messages; name the limit in extensions too,
# as the depth and cost limits do.
_ALIASES = re.compile(r"^(\d+) aliases found\. Allowed: (\d+)")
_TOKENS = re.compile(r"Document contains more than (\d+) tokens")


def _limit_extensions(message: str) -> dict[str, int]:
    if match := _ALIASES.match(message):
        return {"maxAliases": int(match[2]), "aliases": int(match[1])}
    if match := _TOKENS.search(message):
        return {"maxTokens": int(match[1])}
    return {}


def _code_for_request_error(error: GraphQLError) -> str:
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


_OUTAGES: tuple[type[BaseException], ...] = (
    DBConnectionError,
    OSError,  # ConnectionError, refused or reset sockets
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,  # the server is starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what caused it: Tortoise wraps driver errors in its own."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def is_outage(error: BaseException) -> bool:
    """Whether the database is unreachable, rather than the request or the code being wrong."""
    for cause in _causes(error):
        if isinstance(cause, _OUTAGES):
            return True
        # asyncpg's generic InterfaceError also reports misuse (a bug), so only its "closed
        # connection" form counts.
        if isinstance(cause, asyncpg.InterfaceError) and "connection is closed" in str(cause):
            return True
    return False


# Two transactions that wrote the same rows in different orders, or a serialization failure:
# nothing was applied (a batch is atomic) and sending the same request again is safe.
_TRANSIENT_CONFLICTS: tuple[type[BaseException], ...] = (
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


def is_transient_conflict(error: BaseException) -> bool:
    return any(isinstance(cause, _TRANSIENT_CONFLICTS) for cause in _causes(error))


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    if error.path is not None:
        formatted["path"] = error.path
    original = error.original_error
    extensions: dict[str, Any]
    if isinstance(original, ProductError):
        formatted["message"] = str(original)
        extensions = {"code": original.code}
        if isinstance(original, BatchRejected):
            extensions["rows"] = [{"index": e.index, "reason": e.reason} for e in original.errors]
    elif original is None or isinstance(original, GraphQLError):
        extensions = dict(error.extensions or {})
        extensions.setdefault("code", _code_for_request_error(error))
        extensions.update(_limit_extensions(error.message))
    elif error.path is None:
        # Raised while coercing input (a scalar's parser): the client's input is at fault.
        extensions = {"code": "BAD_USER_INPUT"}
    elif is_outage(original):
        logger.warning("request %s: database unavailable: %r", request_id, original)
        formatted["message"] = "The service is temporarily unavailable; retry shortly."
        extensions = {"code": "UNAVAILABLE", "requestId": request_id}
    elif is_transient_conflict(original):
        logger.warning("request %s: concurrent update, not applied: %r", request_id, original)
        formatted["message"] = (
            "The request collided with a concurrent one and was not applied; send it again."
        )
        extensions = {"code": "CONCURRENT_UPDATE", "requestId": request_id}
    else:
        logger.error("request %s failed", request_id, exc_info=original)
        formatted["message"] = "Internal server error."
        extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    formatted["extensions"] = extensions
    return formatted


def release_errors(errors: Iterable[GraphQLError]) -> None:
    """Drop the tracebacks of `errors`, of the errors they wrap and of what caused those, so
    reference counting frees the request's frames and values as soon as the response is made.
    Call once the errors are formatted (and logged): nothing reads a traceback after that."""
    pending: list[BaseException] = list(errors)
    seen: set[int] = set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        error.__traceback__ = None
        linked = (getattr(error, "original_error", None), error.__cause__, error.__context__)
        pending.extend(e for e in linked if isinstance(e, BaseException))
