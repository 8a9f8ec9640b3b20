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


class ScopeKind(StrEnum):
    """The level of the hierarchy a principal sees (specification §4)."""

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


class CreditTransactionKind(StrEnum):
    """How credits enter or leave an account (specification §9)."""

    PURCHASE = "PURCHASE"  # bought: credits > 0
    GRANT = "GRANT"  # an allotment, e.g. a monthly Always-On allowance: > 0
    ADJUSTMENT = "ADJUSTMENT"  # a correction of either sign: != 0
    EXPIRY = "EXPIRY"  # credits that lapsed: < 0
