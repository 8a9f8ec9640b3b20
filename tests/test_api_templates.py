"""Templates over the API: `Query.templateCost` for a draft, and a campaign's imported template
with its analysis."""

from __future__ import annotations

from typing import Any

import pytest

from backend.costs.templates import MAX_TEMPLATE_LENGTH
from backend.importer import ImportRejected, apply_document
from backend.principal import Principal
from tests.factories import ORG, hierarchy, load_hierarchy, token
from tests.graphql_client import execute, http_client, post

APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
EMOJI = "\U0001f600"
BIRTHDAY = f"Happy birthday, Asha! It{APOSTROPHE}s your month: 20% off any facial. " + "x" * 91

QUERY_TEMPLATE_COST = """
  query TemplateCost($text: String!, $channel: Channel!) {
    templateCost(text: $text, channel: $channel) {
      encoding characters length segments segmentCapacity segmentLengths
      ucs2Characters { character codePoint positions gsmReplacement }
      gsm7Rewrite gsm7RewriteSegments
    }
  }"""

QUERY_CAMPAIGN_TEMPLATE = """
  query CampaignTemplate($id: ID!) {
    campaign(id: $id) {
      template
      templateCost { encoding segments gsm7RewriteSegments ucs2Characters { codePoint } }
    }
  }"""


async def test_template_cost_names_the_apostrophe_and_the_rewrite_saves_two_segments(
    db: str,
) -> None:
    assert len(BIRTHDAY) == 150
    data = await execute(
        QUERY_TEMPLATE_COST, {"text": BIRTHDAY, "channel": "SMS"}, principal=Principal(ORG)
    )
    assert data["templateCost"] == {
        "encoding": "UCS_2",
        "characters": 150,
        "length": 150,
        "segments": 3,
        "segmentCapacity": 67,
        "segmentLengths": [67, 67, 16],
        "ucs2Characters": [
            {
                "character": APOSTROPHE,
                "codePoint": "U+2019",
                "positions": [24],
                "gsmReplacement": "'",
            }
        ],
        "gsm7Rewrite": BIRTHDAY.replace(APOSTROPHE, "'"),
        "gsm7RewriteSegments": 1,
    }


async def test_template_cost_over_http_for_any_scope(db: str) -> None:
    await load_hierarchy()
    text = f"{EMOJI} " + "{spa}"
    async with http_client() as client:
        response = await post(
            client,
            QUERY_TEMPLATE_COST,
            {"text": text, "channel": "SMS"},
            token=await token(center="c-pune"),
        )
    assert response.status_code == 200
    cost = response.json()["data"]["templateCost"]
    assert (cost["encoding"], cost["characters"], cost["length"]) == ("UCS_2", 7, 8)
    assert cost["ucs2Characters"] == [
        {"character": EMOJI, "codePoint": "U+1F600", "positions": [0], "gsmReplacement": None}
    ]
    assert cost["gsm7Rewrite"] is None


@pytest.mark.parametrize("channel", ["EMAIL", "WHATSAPP"])
async def test_template_cost_for_another_channel_is_bad_user_input(db: str, channel: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        response = await post(
            client, QUERY_TEMPLATE_COST, {"text": "Hi", "channel": channel}, token=await token()
        )
    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "SMS" in body["errors"][0]["message"]


async def test_template_cost_refuses_unauthenticated_callers(db: str) -> None:
    async with http_client() as client:
        anonymous = await post(client, QUERY_TEMPLATE_COST, {"text": "Hi", "channel": "SMS"})
        forged = await post(
            client, QUERY_TEMPLATE_COST, {"text": "Hi", "channel": "SMS"}, token="crt_forged"
        )
    for response in (anonymous, forged):
        body = response.json()
        assert body.get("data") is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_template_cost_refuses_a_text_too_long_and_a_broken_one(db: str) -> None:
    await load_hierarchy()
    secret = await token()
    async with http_client() as client:
        longest = await post(
            client,
            QUERY_TEMPLATE_COST,
            {"text": "€" * MAX_TEMPLATE_LENGTH, "channel": "SMS"},
            token=secret,
        )
        too_long = await post(
            client,
            QUERY_TEMPLATE_COST,
            {"text": "a" * (MAX_TEMPLATE_LENGTH + 1), "channel": "SMS"},
            token=secret,
        )
        # A lone surrogate is valid JSON syntax (an escape) but not a character.
        broken = await client.post(
            "/graphql",
            content=(
                '{"query": "query($t: String!) { templateCost(text: $t, channel: SMS) '
                '{ segments } }", "variables": {"t": "a\\ud83d"}}'
            ),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
    # 20,000 septets, 76 pairs (152) a part: the 77th would straddle 153.
    assert longest.json()["data"]["templateCost"]["segments"] == 132
    assert too_long.json()["errors"][0]["extensions"] == {"code": "TEXT_TOO_LONG"}
    # Refused as a request (the JSON body is not UTF-8 text), never a 500.
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


def _with_templates(**templates: Any) -> dict[str, Any]:
    document = hierarchy()
    for record in document["campaigns"]:
        if record["id"] in templates:
            record["template"] = templates[record["id"]]
    return document


async def _campaign(campaign_id: str) -> dict[str, Any]:
    data = await execute(QUERY_CAMPAIGN_TEMPLATE, {"id": campaign_id}, principal=Principal(ORG))
    campaign: dict[str, Any] = data["campaign"]
    return campaign


async def test_an_imported_template_is_the_campaigns_and_analysed_for_sms(db: str) -> None:
    await apply_document(
        _with_templates(**{"cmp-org": BIRTHDAY, "cmp-west": f"Anniversary treat {EMOJI}"})
    )
    assert await _campaign("cmp-org") == {
        "template": BIRTHDAY,
        "templateCost": {
            "encoding": "UCS_2",
            "segments": 3,
            "gsm7RewriteSegments": 1,
            "ucs2Characters": [{"codePoint": "U+2019"}],
        },
    }
    # WhatsApp keeps its text; segments are an SMS matter.
    assert await _campaign("cmp-west") == {
        "template": f"Anniversary treat {EMOJI}",
        "templateCost": None,
    }
    assert await _campaign("cmp-nyc") == {"template": None, "templateCost": None}


async def test_reimporting_changes_a_template_only_when_the_file_names_it(db: str) -> None:
    await apply_document(_with_templates(**{"cmp-org": BIRTHDAY}))
    await apply_document(hierarchy())  # a file without templates leaves them alone
    assert (await _campaign("cmp-org"))["template"] == BIRTHDAY
    await apply_document(_with_templates(**{"cmp-org": "Happy birthday!"}))
    changed = await _campaign("cmp-org")
    assert changed["template"] == "Happy birthday!"
    assert changed["templateCost"]["encoding"] == "GSM_7"
    await apply_document(_with_templates(**{"cmp-org": None}))
    assert await _campaign("cmp-org") == {"template": None, "templateCost": None}


async def test_a_bad_template_rejects_the_file(db: str) -> None:
    document = _with_templates(
        **{"cmp-org": 42, "cmp-west": "a" * (MAX_TEMPLATE_LENGTH + 1), "cmp-nyc": "Hello"}
    )
    with pytest.raises(ImportRejected) as rejected:
        await apply_document(document)
    assert rejected.value.problems == [
        "campaigns[0]: template must be a string or null",
        "campaigns[1]: template: The text has 10,001 characters; at most 10,000 are analysed.",
        "campaigns[2]: template is the text of an SMS or WhatsApp campaign",
    ]
