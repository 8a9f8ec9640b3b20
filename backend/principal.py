"""Who a request acts for."""

from __future__ import annotations

from dataclasses import dataclass

from backend.enums import ScopeKind


@dataclass(frozen=True)
class Principal:
    """The scope a request acts for: an organization, or one zone or center of it."""

    organization_id: str
    zone_id: str | None = None
    center_id: str | None = None
    can_write: bool = False
    # Who it is, for the audit trail: `token:12` or `user:3`.
    actor: str = ""
    # A web app administrator (`user create --admin`): may record credit transactions and
    # manage alerts, never messages, which only integrators' write tokens record.
    account_admin: bool = False
    # Signed in with the session cookie, which a browser attaches by itself: a change made
    # with it must also come from the app's own pages (backend/security.py `same_origin`).
    via_cookie: bool = False

    @property
    def kind(self) -> ScopeKind:
        if self.center_id is not None:
            return ScopeKind.CENTER
        if self.zone_id is not None:
            return ScopeKind.ZONE
        return ScopeKind.ORGANIZATION

    @property
    def can_manage_accounts(self) -> bool:
        """Whether it may record credit transactions and manage alerts (§9): accounts are
        organization-level, so only an organization scope ever may."""
        return self.kind is ScopeKind.ORGANIZATION and (self.can_write or self.account_admin)
