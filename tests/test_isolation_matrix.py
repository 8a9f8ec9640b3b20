"""The isolation matrix (§4): for generated organizations, every query field and every kind of
principal, nothing outside the principal's scope appears, and every number equals an oracle's.

Hypothesis builds a few organizations (zones, centers in several time zones, campaigns created
from every level, messages with shared guest ids across organizations and campaigns). For each
principal of the first organization — the organization itself, each zone, each center — and
for the other organization, the test runs:

- `viewer` and `campaigns` (totals, every edge with both drilldowns), with and without a window;
- `campaign(id)` for every campaign id of every organization, and for one that never existed;
- `campaigns(zoneId:)` / `campaigns(centerId:)` for every zone and center id anywhere.

It asserts that no foreign id or name appears anywhere in the responses; that every count, total
and drilldown row equals the oracle computed here from the generated messages; and that asking
for something outside the scope answers exactly like asking for something that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.api.context import Context
from backend.api.errors import format_error
from backend.api.schema import schema
from backend.importer import apply_document
from backend.models import (
    ApiToken,
    Campaign,
    Center,
    CreditSource,
    Guest,
    IngestBatch,
    Message,
    Organization,
    UsageCell,
    UsageVisit,
    Zone,
)
from backend.principal import Principal

TIME_ZONES = ("Asia/Kolkata", "America/New_York", "Pacific/Auckland", "UTC")
# Around New York's switch to daylight saving time and a few days either side.
INSTANTS = [datetime(2026, 3, 6, 20, 0, tzinfo=UTC) + timedelta(hours=7 * i) for i in range(12)]
WINDOWS = [None, (date(2026, 3, 7), date(2026, 3, 8)), (date(2026, 3, 9), date(2026, 3, 12))]
MISSING = "nothing-here"

QUERY_EVERYTHING = """
query Everything($dateRange: DateRange) {
  viewer {
    organization { id name timezone } scopeKind canWrite
    zone { id name } center { id name }
    zones { id name } centers { id name timezone } creditSources { id name }
  }
  campaigns(dateRange: $dateRange, first: 50) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    pageInfo { hasNextPage }
    edges { node {
      id name type createdFrom channel status creditSource { id name }
      targetedGuests processed creditsConsumed
      centerBreakdown { center { id name } targetedGuests processed creditsConsumed }
      dateBreakdown { date targetedGuests processed creditsConsumed }
    } }
  }
}
"""

QUERY_NARROWED = """
query Narrowed($zoneId: ID, $centerId: ID) {
  campaigns(zoneId: $zoneId, centerId: $centerId, first: 50) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    edges { node { id targetedGuests processed creditsConsumed } }
  }
}
"""

CAMPAIGN_FIELDS = """
    id name targetedGuests processed creditsConsumed
    centerBreakdown { center { id } targetedGuests processed creditsConsumed }
"""


def campaign_lookup(count: int) -> str:
    """`campaign(id:)` once per id, aliased, in one operation."""
    variables = ", ".join(f"$id{i}: ID!" for i in range(count))
    fields = "\n".join(
        f"c{i}: campaign(id: $id{i}, dateRange: $dateRange) {{ {CAMPAIGN_FIELDS} }}"
        for i in range(count)
    )
    return f"query Lookup($dateRange: DateRange, {variables}) {{ {fields} }}"


def ids_variables(ids: list[str], window: tuple[date, date] | None) -> dict[str, Any]:
    return {
        **{f"id{i}": campaign_id for i, campaign_id in enumerate(ids)},
        **window_variables(window),
    }


@dataclass
class World:
    """A generated set of organizations, with an oracle over its messages."""

    organizations: list[str] = field(default_factory=list)
    zones: dict[str, str] = field(default_factory=dict)  # zone -> organization
    centers: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)  # org, zone, tz
    sources: dict[str, str] = field(default_factory=dict)  # source -> organization
    campaigns: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def reached(self, campaign_id: str) -> set[str]:
        org, created_from, owner, _ = self.campaigns[campaign_id]
        return {
            c
            for c, (c_org, zone, _) in self.centers.items()
            if c_org == org
            and (
                created_from == "ORGANIZATION"
                or (created_from == "ZONE" and zone == owner)
                or (created_from == "CENTER" and c == owner)
            )
        }

    def scope_centers(self, principal: Principal) -> set[str]:
        return {
            c
            for c, (org, zone, _) in self.centers.items()
            if org == principal.organization_id
            and (principal.zone_id is None or zone == principal.zone_id)
            and (principal.center_id is None or c == principal.center_id)
        }

    def visible_campaigns(self, centers: set[str]) -> set[str]:
        return {c for c in self.campaigns if self.reached(c) & centers}

    def usage(
        self,
        campaigns: set[str],
        centers: set[str],
        window: tuple[date, date] | None,
        by: str | None = None,
    ) -> dict[Any, tuple[int, int, Decimal]]:
        """(targeted guests, processed, credits) per key (`center`, `date`, or all as None)."""
        groups: dict[Any, list[dict[str, Any]]] = {}
        for m in self.messages:
            day = business_date(m, self.centers[m["centerId"]][2])
            if m["campaignId"] not in campaigns or m["centerId"] not in centers:
                continue
            if window is not None and not window[0] <= day <= window[1]:
                continue
            key = None if by is None else m["centerId"] if by == "center" else day
            groups.setdefault(key, []).append(m)
        return {
            key: (
                len({m["guestId"] for m in rows}),
                sum(m["outcome"] == "PROCESSED" for m in rows),
                sum((Decimal(m["credits"]) for m in rows), Decimal(0)),
            )
            for key, rows in groups.items()
        }

    def names_of(self, ids: Iterable[str]) -> set[str]:
        return {text for i in ids for text in (i, f"Name of {i}")}


def business_date(message: dict[str, Any], timezone: str) -> date:
    return datetime.fromisoformat(message["sentAt"]).astimezone(ZoneInfo(timezone)).date()


@st.composite
def worlds(draw: st.DrawFn) -> World:
    world = World()
    for o, org in enumerate(("orgA", "orgB")):
        world.organizations.append(org)
        # The home organization always has a zone, so every principal kind is exercised.
        zones = [f"zone{org[-1]}{i}" for i in range(draw(st.integers(1 - o, 2)))]
        world.zones.update(dict.fromkeys(zones, org))
        for i in range(draw(st.integers(1, 4))):
            zone = draw(st.sampled_from([None, *zones]))
            world.centers[f"ctr{org[-1]}{i}"] = (org, zone, draw(st.sampled_from(TIME_ZONES)))
        sources = [f"src{org[-1]}{i}" for i in range(draw(st.integers(1, 2)))]
        world.sources.update(dict.fromkeys(sources, org))
        units = [
            ("ORGANIZATION", org),
            *(("ZONE", z) for z in zones),
            *(("CENTER", c) for c, (c_org, _, _) in world.centers.items() if c_org == org),
        ]
        for i in range(draw(st.integers(1, 4))):
            created_from, owner = draw(st.sampled_from(units))
            world.campaigns[f"cmp{org[-1]}{i}"] = (
                org,
                created_from,
                owner,
                draw(st.sampled_from(sources)),
            )
    reachable = [(c, ctr) for c in world.campaigns for ctr in sorted(world.reached(c))]
    if reachable:
        count = draw(st.integers(0, 24))
        for i in range(count):
            campaign, center = draw(st.sampled_from(reachable))
            world.messages.append(
                {
                    "externalId": f"msg-{i}",
                    "campaignId": campaign,
                    "centerId": center,
                    # The same guest ids in every organization and campaign: counted apart.
                    "guestId": draw(st.sampled_from(["guest-1", "guest-2", "guest-3"])),
                    "sentAt": draw(st.sampled_from(INSTANTS)).isoformat(),
                    "outcome": draw(st.sampled_from(["PROCESSED", "FAILED", "SKIPPED"])),
                    "credits": draw(st.sampled_from(["0", "0.5", "1", "2.25", "0.0001"])),
                }
            )
    return world


def document(world: World) -> dict[str, Any]:
    return {
        "organizations": [
            {"id": o, "name": f"Name of {o}", "timezone": "Asia/Kolkata"}
            for o in world.organizations
        ],
        "zones": [
            {"id": z, "organizationId": o, "name": f"Name of {z}"} for z, o in world.zones.items()
        ],
        "centers": [
            {"id": c, "organizationId": o, "zoneId": z, "name": f"Name of {c}", "timezone": tz}
            for c, (o, z, tz) in world.centers.items()
        ],
        "creditSources": [
            {"id": s, "organizationId": o, "name": f"Name of {s}"} for s, o in world.sources.items()
        ],
        "campaigns": [
            {
                "id": c,
                "organizationId": o,
                "name": f"Name of {c}",
                "type": "ALWAYS_ON",
                "createdFrom": created_from,
                "ownerId": owner,
                "channel": "SMS",
                "creditSourceId": source,
                "status": "LIVE",
            }
            for c, (o, created_from, owner, source) in world.campaigns.items()
        ],
        "messages": world.messages,
    }


async def reset_database() -> None:
    """Hypothesis runs many examples on the test's one database: start each from empty."""
    for model in (
        Message,
        Guest,
        IngestBatch,
        UsageVisit,
        UsageCell,
        ApiToken,
        Campaign,
        CreditSource,
        Center,
        Zone,
    ):
        await model.all().delete()
    await Organization.all().delete()


async def run(query: str, principal: Principal, **variables: Any) -> dict[str, Any]:
    """The response exactly as a client would see it (errors formatted and masked)."""
    result = await schema.execute(
        query,
        variable_values=variables,
        context_value=Context(request=None, response=None, principal=principal),
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [format_error(e, "request-id") for e in result.errors]
        for error in response["errors"]:
            assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", error
    return response


def principals(world: World) -> list[Principal]:
    """Every principal of the home organization, of each kind, and the other organization."""
    home = world.organizations[0]
    return [
        Principal(home),
        *(Principal(home, zone_id=z) for z, o in world.zones.items() if o == home),
        *(Principal(home, center_id=c) for c, (o, _, _) in world.centers.items() if o == home),
        Principal(world.organizations[1]),
    ]


def numbers(row: dict[str, Any]) -> tuple[int, int, Decimal]:
    return (row["targetedGuests"], row["processed"], Decimal(row["creditsConsumed"]))


def window_variables(window: tuple[date, date] | None) -> dict[str, Any]:
    if window is None:
        return {}
    return {"dateRange": {"start": window[0].isoformat(), "end": window[1].isoformat()}}


def check_report(
    world: World, principal: Principal, window: tuple[date, date] | None, data: dict[str, Any]
) -> None:
    centers = world.scope_centers(principal)
    visible = world.visible_campaigns(centers)
    report = data["campaigns"]
    nodes = {e["node"]["id"]: e["node"] for e in report["edges"]}
    assert set(nodes) == visible
    assert report["totalCount"] == len(visible)
    assert numbers(report["totals"]) == world.usage(visible, centers, window).get(
        None, (0, 0, Decimal(0))
    )
    for campaign_id, node in nodes.items():
        assert node["creditSource"]["id"] == world.campaigns[campaign_id][3]
        assert numbers(node) == world.usage({campaign_id}, centers, window).get(
            None, (0, 0, Decimal(0))
        )
        by_center = world.usage({campaign_id}, centers, window, by="center")
        assert {r["center"]["id"]: numbers(r) for r in node["centerBreakdown"]} == by_center
        by_date = world.usage({campaign_id}, centers, window, by="date")
        rows = node["dateBreakdown"]
        dates = [date.fromisoformat(r["date"]) for r in rows]
        assert dates == sorted(set(dates))
        nonzero = {
            date.fromisoformat(r["date"]): numbers(r) for r in rows if numbers(r) != (0, 0, 0)
        }
        assert nonzero == by_date
        if window is not None:
            assert dates == [window[0] + timedelta(days=i) for i in range(len(dates))]
            assert dates[-1] == window[1]

    viewer = data["viewer"]
    assert viewer["organization"]["id"] == principal.organization_id
    assert {c["id"] for c in viewer["centers"]} == centers
    zones = {z for z, o in world.zones.items() if o == principal.organization_id}
    if principal.kind != "ORGANIZATION":
        zones = {world.centers[c][1] for c in centers} - {None}  # type: ignore[assignment]
    assert {z["id"] for z in viewer["zones"]} == zones
    assert {s["id"] for s in viewer["creditSources"]} == {world.campaigns[c][3] for c in visible}


def foreign_texts(world: World, principal: Principal) -> set[str]:
    """Every id and name the principal must never see."""
    centers = world.scope_centers(principal)
    org = principal.organization_id
    allowed_zones = {z for z, o in world.zones.items() if o == org}
    if principal.kind != "ORGANIZATION":
        allowed_zones = {world.centers[c][1] for c in centers} - {None}  # type: ignore[assignment]
    visible = world.visible_campaigns(centers)
    sources = {world.campaigns[c][3] for c in visible}
    return world.names_of(
        [
            *(o for o in world.organizations if o != org),
            *(z for z in world.zones if z not in allowed_zones),
            *(c for c in world.centers if c not in centers),
            *(c for c in world.campaigns if c not in visible),
            *(s for s in world.sources if s not in sources),
        ]
    )


def assert_nothing_foreign(world: World, principal: Principal, responses: list[Any]) -> None:
    text = json.dumps(responses)
    leaked = sorted(t for t in foreign_texts(world, principal) if f'"{t}"' in text)
    assert leaked == [], f"{principal} sees {leaked}"
    assert "guest-" not in text


def same_except_id(hidden: dict[str, Any], missing: dict[str, Any], hidden_id: str) -> bool:
    return json.dumps(hidden).replace(hidden_id, MISSING) == json.dumps(missing)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), window=st.sampled_from(WINDOWS))
async def test_no_principal_sees_outside_its_scope(
    db: str, world: World, window: tuple[date, date] | None
) -> None:
    await reset_database()
    await apply_document(document(world))
    for principal in principals(world):
        responses: list[Any] = []
        centers = world.scope_centers(principal)
        visible = world.visible_campaigns(centers)

        for w in {None, window}:
            everything = await run(QUERY_EVERYTHING, principal, **window_variables(w))
            assert "errors" not in everything, everything
            check_report(world, principal, w, everything["data"])
            responses.append(everything)

        # Every campaign id of every organization, and one that never existed, in one request.
        ids = [MISSING, *world.campaigns]
        by_alias = await run(campaign_lookup(len(ids)), principal, **ids_variables(ids, window))
        assert "errors" not in by_alias, by_alias
        answers = dict(zip(ids, by_alias["data"].values(), strict=True))
        assert answers.pop(MISSING) is None
        for campaign_id, node in answers.items():
            if campaign_id not in visible:
                assert node is None
                continue
            responses.append(node)
            assert numbers(node) == world.usage({campaign_id}, centers, window).get(
                None, (0, 0, Decimal(0))
            )
            by_center = world.usage({campaign_id}, centers, window, by="center")
            assert {r["center"]["id"]: numbers(r) for r in node["centerBreakdown"]} == by_center

        for kind, ids in (("zoneId", world.zones), ("centerId", world.centers)):
            unknown = await run(QUERY_NARROWED, principal, **{kind: MISSING})
            assert unknown["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
            for unit in ids:
                narrowed = await run(QUERY_NARROWED, principal, **{kind: unit})
                if not allowed_narrowing(world, principal, kind, unit):
                    assert same_except_id(narrowed, unknown, unit), (narrowed, unknown)
                    continue
                responses.append(narrowed)
                assert "errors" not in narrowed, narrowed
                org = principal.organization_id
                inside = world.scope_centers(
                    Principal(org, zone_id=unit)
                    if kind == "zoneId"
                    else Principal(org, center_id=unit)
                )
                report = narrowed["data"]["campaigns"]
                expected = world.visible_campaigns(inside)
                assert {e["node"]["id"] for e in report["edges"]} == expected
                assert numbers(report["totals"]) == world.usage(expected, inside, None).get(
                    None, (0, 0, Decimal(0))
                )

        assert_nothing_foreign(world, principal, responses)


def world_owns(world: World, principal: Principal, unit: str) -> bool:
    owner = world.zones.get(unit) or world.centers.get(unit, (None,))[0]
    return owner == principal.organization_id


def allowed_narrowing(world: World, principal: Principal, kind: str, unit: str) -> bool:
    """An organization may narrow to any of its zones or centers; a zone to itself or one of
    its centers; a center to itself."""
    if not world_owns(world, principal, unit):
        return False
    if kind == "zoneId":
        return principal.kind == "ORGANIZATION" or principal.zone_id == unit
    return unit in world.scope_centers(principal)
