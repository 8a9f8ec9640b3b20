"""Organizations, zones and centers: which centers a campaign reaches and a principal sees."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from backend.catalog import catalog_version
from backend.enums import CreatedFrom
from backend.errors import NotFound
from backend.models import Center, Zone
from backend.versions import VersionedCache


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
    # The organization's catalog version this was loaded at (backend/catalog.py).
    catalog_version: int = 0

    @property
    def zone_ids(self) -> frozenset[str]:
        return frozenset(self.zone_names)

    @functools.cached_property
    def centers_by_zone(self) -> dict[str, frozenset[str]]:
        by_zone: dict[str, set[str]] = {}
        for center in self.centers.values():
            if center.zone_id is not None:
                by_zone.setdefault(center.zone_id, set()).add(center.id)
        return {zone_id: frozenset(ids) for zone_id, ids in by_zone.items()}

    def reaches_any(
        self, created_from: CreatedFrom, owner_id: str, center_ids: frozenset[str] | None
    ) -> bool:
        """Whether a campaign reaches a center among `center_ids` (None: any of the org's)."""
        if created_from is CreatedFrom.ORGANIZATION:
            if owner_id != self.organization_id:
                return False
            return bool(self.centers) if center_ids is None else bool(center_ids)
        if created_from is CreatedFrom.ZONE:
            zone_centers = self.centers_by_zone.get(owner_id, frozenset())
            return (
                bool(zone_centers)
                if center_ids is None
                else not zone_centers.isdisjoint(center_ids)
            )
        return owner_id in self.centers and (center_ids is None or owner_id in center_ids)

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
            zone_centers = self.centers_by_zone.get(zone_id, frozenset())
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
            return self.centers_by_zone.get(zone_id, frozenset())
        return None


_hierarchies = VersionedCache[OrgHierarchy]()


async def load_hierarchy(organization_id: str) -> OrgHierarchy:
    """Cached per catalog version: a thousand centers are read once per import, not per request."""
    version = await catalog_version(organization_id)
    cached = _hierarchies.get(organization_id, version)
    if cached is not None:
        return cached
    centers = await Center.filter(organization_id=organization_id).values(
        "id", "name", "zone_id", "timezone"
    )
    zones = await Zone.filter(organization_id=organization_id).values_list("id", "name")
    hierarchy = OrgHierarchy(
        organization_id=organization_id,
        centers={row["id"]: CenterInfo(**row) for row in centers},
        zone_names={str(zone_id): str(name) for zone_id, name in zones},
        catalog_version=version,
    )
    _hierarchies.put(organization_id, version, hierarchy)
    return hierarchy
