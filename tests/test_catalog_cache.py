"""Hierarchy and campaign catalog are cached per process and catalog version
(backend/catalog.py): every import that changes them shows in the very next request."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from backend.importer import apply_document
from backend.principal import Principal
from tests.factories import ORG, campaign, hierarchy, load_hierarchy, message, record
from tests.graphql_client import execute

QUERY = """
{
  viewer { centers { id name } }
  campaigns { edges { node { id name status targetedGuests } } }
}
"""


def view(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, tuple[str, str, int]]]:
    centers = {c["id"]: c["name"] for c in data["viewer"]["centers"]}
    campaigns = {
        e["node"]["id"]: (e["node"]["name"], e["node"]["status"], e["node"]["targetedGuests"])
        for e in data["campaigns"]["edges"]
    }
    return centers, campaigns


async def test_an_import_shows_in_the_next_request(db: str) -> None:
    await load_hierarchy()
    await record(message("m-1", campaign_id="cmp-west", center_id="c-pune", guest_id="g-1"))
    west = Principal(ORG, zone_id="zone-w")
    centers, campaigns = view(await execute(QUERY, principal=west))
    assert centers == {"c-pune": "Pune Baner", "c-mumbai": "Mumbai"}
    assert campaigns["cmp-west"] == ("Anniversary offer", "LIVE", 1)
    assert "cmp-goa" not in campaigns

    # Goa joins the West zone under a new name; the West campaign is renamed and paused; a new
    # campaign is created from Goa.
    document = hierarchy(
        campaigns=[
            campaign("cmp-goa", "Monsoon spa week", "SCHEDULED", "CENTER", "c-goa", "SMS"),
        ]
    )
    for center in document["centers"]:
        if center["id"] == "c-goa":
            center.update(zoneId="zone-w", name="Goa Candolim")
    for row in document["campaigns"]:
        if row["id"] == "cmp-west":
            row.update(name="Anniversary offer (paused)", status="PAUSED")
    await apply_document(document)

    centers, campaigns = view(await execute(QUERY, principal=west))
    assert centers == {"c-pune": "Pune Baner", "c-mumbai": "Mumbai", "c-goa": "Goa Candolim"}
    assert campaigns["cmp-west"] == ("Anniversary offer (paused)", "PAUSED", 1)
    assert campaigns["cmp-goa"] == ("Monsoon spa week", "LIVE", 0)


async def test_an_unchanged_catalog_is_read_once(db: str, caplog: pytest.LogCaptureFixture) -> None:
    await load_hierarchy()
    principal = Principal(ORG, center_id="c-pune")
    await execute(QUERY, principal=principal)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        await execute(QUERY, principal=principal)
    statements = [r.getMessage() for r in caplog.records if r.name == "tortoise.db_client"]
    assert not any('FROM "center"' in s or 'FROM "campaign"' in s for s in statements), statements
    assert any("catalog_version" in s for s in statements), statements
