"""The per-request context: who is asking, their organization, and request-scoped loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from backend.api.dataloaders import Loaders
from backend.auth import unauthenticated
from backend.cursors import PROCESS_SECRET_KEY, CursorSealer, cursor_sealer
from backend.errors import Forbidden, ProductError
from backend.hierarchy import OrgHierarchy, Scope, load_hierarchy
from backend.principal import Principal
from backend.settings import webhook_allow_private_from_env

# About 8 MB of JSON: more rows than any screen shows or any export of a year needs.
MAX_RESPONSE_ROWS = 100_000


@dataclass
class Context:
    request: Request | None
    response: Response | None
    principal: Principal | None
    # Created per request: a shared loader would leak one tenant's rows into another's request.
    loaders: Loaders = field(default_factory=Loaders)
    _hierarchy: OrgHierarchy | None = None
    # Breakdown rows this request may still produce (see `charge_rows`).
    rows_left: int = field(default_factory=lambda: MAX_RESPONSE_ROWS)

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise unauthenticated(self.request)
        return self.principal

    def require_writer(self) -> Principal:
        principal = self.require_principal()
        if not principal.can_write and principal.via_cookie:
            # Administrators included: the app records credit transactions, never messages.
            raise Forbidden("Messages are recorded with an API token created with --write.")
        if not principal.can_write:
            raise Forbidden("This token can only read; create one with --write to record messages.")
        return principal

    def charge_rows(self, rows: int) -> None:
        """Count a breakdown's rows against the response's budget. The cost limit prices a
        breakdown by its window before anything runs; this bounds what a window cannot tell
        (a campaign's all-time span, its number of centers) as the rows are made."""
        self.rows_left -= rows
        if self.rows_left < 0:
            raise ProductError(
                f"The response would hold more than {MAX_RESPONSE_ROWS} breakdown rows. "
                "Ask for fewer campaigns or shorter windows.",
                code="RESPONSE_TOO_LARGE",
            )

    def cursor_sealer(self) -> CursorSealer:
        """Keyed by the app's secret key, so processes sharing it open each other's cursors."""
        if self.request is None:  # schema-level calls (tests): this process's own key
            return cursor_sealer(PROCESS_SECRET_KEY)
        secret_key: str = self.request.app.state.settings.secret_key
        return cursor_sealer(secret_key)

    def webhook_allow_private(self) -> bool:
        """The app's setting; schema-level calls (tests) read the environment."""
        if self.request is None:
            return webhook_allow_private_from_env()
        allowed: bool = self.request.app.state.settings.webhook_allow_private
        return allowed

    async def hierarchy(self) -> OrgHierarchy:
        if self._hierarchy is None:
            self._hierarchy = await load_hierarchy(self.require_principal().organization_id)
        return self._hierarchy

    async def scope(self, zone_id: str | None = None, center_id: str | None = None) -> Scope:
        principal = self.require_principal()
        hierarchy = await self.hierarchy()
        return hierarchy.narrow(principal.zone_id, principal.center_id, zone_id, center_id)
