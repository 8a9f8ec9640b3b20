"""Organizations, zones and centers: which centers a campaign reaches and a principal sees."""

from __future__ import annotations

from dataclasses import dataclass

from backend.enums import CreatedFrom
from backend.errors import NotFound
from backend.models import Center, Zone


@dataclass(frozen=True)
class CenterInfo:
    id: str
    name: str
    zone_id: str | None
    timezone: str


@dataclass(frozen=True)
class Scope:
    """The centers a request may see. `center_ids is None` means every center of the org."""

    organization_id: str
    center_ids: frozenset[str] | None

    def allows(self, center_id: str) -> bool:
        return self.center_ids is None or center_id in self.center_ids


@dataclass(frozen=True)
class OrgHierarchy:
    organization_id: str
    centers: dict[str, CenterInfo]
    zone_names: dict[str, str]

    @property
    def zone_ids(self) -> frozenset[str]:
        return frozenset(self.zone_names)

    def centers_reached(self, created_from: CreatedFrom, owner_id: str) -> frozenset[str]:
        """The centers under a campaign's owner, now (centers opened later are reached too)."""
        if created_from is CreatedFrom.ORGANIZATION:
            if owner_id != self.organization_id:
                return frozenset()
            return frozenset(self.centers)
        if created_from is CreatedFrom.ZONE:
            return frozenset(c.id for c in self.centers.values() if c.zone_id == owner_id)
        return frozenset({owner_id}) if owner_id in self.centers else frozenset()

    def narrow(
        self,
        base_zone_id: str | None,
        base_center_id: str | None,
        zone_id: str | None = None,
        center_id: str | None = None,
    ) -> Scope:
        """The scope of a principal, optionally narrowed to one of its zones or centers.

        A zone or center outside the principal's scope raises the same `NotFound` as one that
        does not exist, so the error reveals nothing.
        """
        allowed = self._centers_of(base_zone_id, base_center_id)
        if zone_id is not None:
            if zone_id not in self.zone_ids:
                raise NotFound(f"Unknown zone {zone_id!r}.")
            zone_centers = frozenset(c.id for c in self.centers.values() if c.zone_id == zone_id)
            if allowed is not None and not (base_zone_id == zone_id):
                raise NotFound(f"Unknown zone {zone_id!r}.")
            allowed = zone_centers
        if center_id is not None:
            if center_id not in self.centers or (allowed is not None and center_id not in allowed):
                raise NotFound(f"Unknown center {center_id!r}.")
            allowed = frozenset({center_id})
        return Scope(self.organization_id, allowed)

    def _centers_of(self, zone_id: str | None, center_id: str | None) -> frozenset[str] | None:
        if center_id is not None:
            return frozenset({center_id})
        if zone_id is not None:
            return frozenset(c.id for c in self.centers.values() if c.zone_id == zone_id)
        return None


async def load_hierarchy(organization_id: str) -> OrgHierarchy:
    centers = await Center.filter(organization_id=organization_id).values(
        "id", "name", "zone_id", "timezone"
    )
    zones = await Zone.filter(organization_id=organization_id).values_list("id", "name")
    return OrgHierarchy(
        organization_id=organization_id,
        centers={row["id"]: CenterInfo(**row) for row in centers},
        zone_names={str(zone_id): str(name) for zone_id, name in zones},
    )
