"""The closed vocabularies of the product; the database, the ledger and the API share them."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"
    EMAIL = "EMAIL"


class CampaignType(StrEnum):
    ALWAYS_ON = "ALWAYS_ON"
    SCHEDULED = "SCHEDULED"


class CreatedFrom(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    ZONE = "ZONE"
    CENTER = "CENTER"


class CampaignStatus(StrEnum):
    LIVE = "LIVE"
    PROCESSED = "PROCESSED"
    PAUSED = "PAUSED"


class MessageOutcome(StrEnum):
    PROCESSED = "PROCESSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
