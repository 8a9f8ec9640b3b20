"""Opaque page cursors: a keyset position sealed with authenticated encryption (AES-256-GCM).

A cursor holds a row's position in its ordering (sort value, id), as keyset paging needs.
Cursors travel in shareable URLs, so they must neither reveal what they hold (another
campaign's id and its numbers) nor accept edits. AES-GCM does both: the payload is encrypted,
and any changed byte fails the tag check. The *audience* (who may use the cursor and for which
ordering) is authenticated as associated data rather than stored, so a cursor opens only for
the same audience and costs no bytes for it.

The key is derived with HKDF from the app's secret key under a label of its own, so it shares
nothing with the session cookies' signing key, and every process given the same
`CREDIT_REPORT_SECRET_KEY` opens the others' cursors. Without one, the secret key is random per
process and cursors last only as long as the process.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.errors import ProductError
from backend.principal import Principal

# The HKDF label: a key for this purpose only. A new format takes a new label and version.
_PURPOSE = b"credit-report/page-cursor/v1"
_VERSION = b"\x01"
_NONCE_BYTES = 12
# Payloads are padded to a multiple of this, so a cursor's length hardly tells one from another.
_BLOCK = 16
# A name-ordered cursor holds a casefolded name of at most 200 characters: well under this.
MAX_CURSOR_CHARS = 8192
# The secret key of schema-level callers that have no app (tests): this process's own.
PROCESS_SECRET_KEY = os.urandom(32).hex()

# Where a row stands in its ordering: (sort value, id).
Position = tuple[str | int, str]


class CursorSealer:
    """Seals payloads into URL-safe cursors and opens them again, for one secret key."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=_PURPOSE).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, payload: bytes, audience: bytes) -> str:
        """A fresh cursor (random nonce) for `payload`, opening only for `audience`.

        `payload` must not end in spaces: they pad it, and `open` strips them.
        """
        nonce = os.urandom(_NONCE_BYTES)
        padded = payload.ljust(-(-len(payload) // _BLOCK) * _BLOCK)
        sealed = self._aead.encrypt(nonce, padded, _VERSION + audience)
        return base64.urlsafe_b64encode(_VERSION + nonce + sealed).rstrip(b"=").decode()

    def open(self, cursor: str, audience: bytes) -> bytes | None:
        """The payload, or None for anything not sealed by `seal` for this key and audience."""
        if len(cursor) > MAX_CURSOR_CHARS or not cursor.isascii():
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            return None
        # The decoder skips characters outside the alphabet and ignores a last character's
        # spare bits: only the canonical spelling of the bytes is the cursor.
        if base64.urlsafe_b64encode(raw).rstrip(b"=") != cursor.encode():
            return None
        version, nonce, sealed = raw[:1], raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
        if version != _VERSION or len(sealed) < _BLOCK:
            return None
        try:
            padded = self._aead.decrypt(nonce, sealed, _VERSION + audience)
        except InvalidTag:
            return None
        return padded.rstrip(b" ")


@functools.lru_cache(maxsize=8)
def cursor_sealer(secret_key: str) -> CursorSealer:
    """The sealer of `secret_key`, derived once per process rather than once per request."""
    return CursorSealer(secret_key)


@dataclass(frozen=True)
class PageCursors:
    """Seals and opens positions for one reader's scope in one ordering.

    Bound to the scope (organization, zone, center), not to the reader: colleagues who see the
    same rows can share a link, while a cursor of another organization, zone or center, or of
    another ordering, is refused.
    """

    sealer: CursorSealer
    audience: bytes
    numeric: bool  # whether sort values are integers (else strings)

    @classmethod
    def of(
        cls,
        sealer: CursorSealer,
        reader: Principal,
        ordering: str,
        descending: bool,
        *,
        numeric: bool,
    ) -> PageCursors:
        scope = [reader.organization_id, reader.zone_id, reader.center_id]
        return cls(sealer, orjson.dumps([*scope, ordering, descending]), numeric)

    def encode(self, position: Position) -> str:
        return self.sealer.seal(orjson.dumps(position), self.audience)

    def decode(self, cursor: str) -> Position:
        """The position sealed in `cursor`; INVALID_CURSOR for anything else, whatever the cause.

        One answer for an edited, foreign, other-ordering or expired (secret key changed)
        cursor: telling them apart would take the key, and a reader can only start again.
        """
        payload = self.sealer.open(cursor, self.audience)
        try:
            position = None if payload is None else orjson.loads(payload)
        except orjson.JSONDecodeError:  # only if the key were shared with something else
            position = None
        if (
            not isinstance(position, list)
            or len(position) != 2
            or type(position[0]) is not (int if self.numeric else str)
            or not isinstance(position[1], str)
        ):
            raise ProductError(
                "This cursor is not valid here: it comes from another scope or ordering, was "
                "altered, or has expired. Start again without `after`.",
                code="INVALID_CURSOR",
            )
        return position[0], position[1]
