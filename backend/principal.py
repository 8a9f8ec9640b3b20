"""Who a request acts for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The scope a request acts for: an organization, or one zone or center of it."""

    organization_id: str
    zone_id: str | None = None
    center_id: str | None = None
    can_write: bool = False
    # Who it is, for the audit trail: `token:12` or `user:3`.
    actor: str = ""

    @property
    def kind(self) -> str:
        if self.center_id is not None:
            return "CENTER"
        if self.zone_id is not None:
            return "ZONE"
        return "ORGANIZATION"
