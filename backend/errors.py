"""Errors the product raises on purpose: each carries a stable, machine-readable code."""

from __future__ import annotations


class ProductError(Exception):
    """An error whose message is safe to show and whose `code` clients can branch on."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class NotFound(ProductError):
    """Both "does not exist" and "outside your scope": the two must be indistinguishable."""

    code = "NOT_FOUND"


class Forbidden(ProductError):
    code = "FORBIDDEN"


class Unauthenticated(ProductError):
    code = "UNAUTHENTICATED"
