"""Tables only. Reports derive every number from `Message`; nothing here aggregates."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from backend.bounds import MAX_ID_LENGTH
from backend.enums import (
    CampaignStatus,
    CampaignType,
    Channel,
    CreatedFrom,
    CreditTransactionKind,
    MessageOutcome,
)
from backend.versions import fresh_version

# Ids of the business hierarchy are the upstream system's ids (`org-1`, `c-42`), shown as-is.
ID_LENGTH = 64


class Organization(Model):
    id = fields.CharField(primary_key=True, max_length=ID_LENGTH)
    name = fields.CharField(max_length=200)
    timezone = fields.CharField(max_length=64)
    # Given a new random value by every import that writes the organization, its zones,
    # centers, credit sources or campaigns: app servers cache those per version
    # (backend/catalog.py).
    catalog_version = fields.BigIntField(default=0, db_default=0)

    class Meta:
        table = "organization"


class Zone(Model):
    id = fields.CharField(primary_key=True, max_length=ID_LENGTH)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="zones", on_delete=fields.RESTRICT
    )
    organization_id: str
    name = fields.CharField(max_length=200)

    class Meta:
        table = "zone"


class Center(Model):
    id = fields.CharField(primary_key=True, max_length=ID_LENGTH)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="centers", on_delete=fields.RESTRICT
    )
    organization_id: str
    zone: fields.ForeignKeyNullableRelation[Zone] = fields.ForeignKeyField(
        "models.Zone", related_name="centers", null=True, on_delete=fields.RESTRICT
    )
    zone_id: str | None
    name = fields.CharField(max_length=200)
    timezone = fields.CharField(max_length=64)

    class Meta:
        table = "center"


class CreditSource(Model):
    id = fields.CharField(primary_key=True, max_length=ID_LENGTH)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="credit_sources", on_delete=fields.RESTRICT
    )
    organization_id: str
    name = fields.CharField(max_length=200)

    class Meta:
        table = "credit_source"


class Campaign(Model):
    id = fields.CharField(primary_key=True, max_length=ID_LENGTH)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="campaigns", on_delete=fields.RESTRICT
    )
    organization_id: str
    name = fields.CharField(max_length=200)
    type = fields.CharEnumField(CampaignType, max_length=16)
    created_from = fields.CharEnumField(CreatedFrom, max_length=16)
    # The organization, zone or center the campaign was created from; it reaches every center
    # under that unit (a polymorphic reference, so no foreign key).
    owner_id = fields.CharField(max_length=ID_LENGTH)
    channel = fields.CharEnumField(Channel, max_length=16)
    credit_source: fields.ForeignKeyRelation[CreditSource] = fields.ForeignKeyField(
        "models.CreditSource", related_name="campaigns", on_delete=fields.RESTRICT
    )
    credit_source_id: str
    status = fields.CharEnumField(CampaignStatus, max_length=16)
    # The message text of an SMS or WhatsApp campaign, analysed for encoding and segments.
    template = fields.TextField(null=True)
    # Changed (to a new random value) when the campaign's derived usage is rebuilt rather than
    # extended (a void): every process then reloads it (backend/engine/). Random from the
    # start, so a campaign deleted and made again is never taken for the one a process knew.
    ledger_version = fields.BigIntField(default=fresh_version, db_default=0)
    # Raised by one in each ingest that changes the campaign's messages, in that ingest's
    # transaction and under the campaign row's lock, so batches of one campaign take
    # consecutive numbers in commit order; derived rows carry the number of the batch that
    # last wrote them, and a process catches up by reading the rows numbered above its own.
    ledger_seq = fields.BigIntField(default=0, db_default=0)

    class Meta:
        table = "campaign"


class Message(Model):
    """One attempt by one campaign to reach one guest at one center."""

    id = fields.BigIntField(primary_key=True)
    # No foreign-key constraints on the ledger's table (db_constraint=False): three per-row
    # triggers took over half of an insert's time. The ledger checks a batch's campaigns and
    # centers and locks them (FOR KEY SHARE, what the triggers did per row) once per batch,
    # and nothing in the product deletes organizations, campaigns or centers.
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="messages",
        on_delete=fields.RESTRICT,
        db_constraint=False,
    )
    organization_id: str
    external_id = fields.CharField(max_length=MAX_ID_LENGTH)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign",
        related_name="messages",
        on_delete=fields.RESTRICT,
        db_constraint=False,
    )
    campaign_id: str
    center: fields.ForeignKeyRelation[Center] = fields.ForeignKeyField(
        "models.Center",
        related_name="messages",
        on_delete=fields.RESTRICT,
        db_constraint=False,
    )
    center_id: str
    guest_id = fields.CharField(max_length=MAX_ID_LENGTH)
    # The guest's integer key (`Guest.id`): distinct counts over integers run several times
    # faster than over strings. Set by every ingest; migration 0003 filled in older rows.
    guest_key = fields.IntField(null=True)
    sent_at = fields.DatetimeField()
    # The calendar date of `sent_at` in the center's time zone, fixed at ingest so every
    # filter and bucket is a plain indexed comparison.
    business_date = fields.DateField()
    outcome = fields.CharEnumField(MessageOutcome, max_length=16)
    # Credits in ten-thousandths: integers sum exactly on every database (SQLite sums
    # DECIMAL text as binary floats), and the ledger accepts at most four decimal places.
    credits_e4 = fields.BigIntField()
    reported_at = fields.DatetimeField()
    # What the message says about its own cost (§10; backend/costs/attributes.py): billed units
    # (1 unless told; also for every message recorded before they existed), the recipient's
    # ISO 3166-1 alpha-2 country, the SMS encoding (GSM_7 or UCS_2) and the WhatsApp category.
    # A restatement replaces them with outcome and credits.
    units = fields.IntField(default=1, db_default=1)
    country_code = fields.CharField(max_length=2, null=True)
    encoding = fields.CharField(max_length=8, null=True)
    category = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "message"
        # The idempotency key. The center is part of it so that writers scoped to a zone or a
        # center own their centers' keys: one can neither see nor block another center's
        # messages by sending their externalIds (the ledger rejects, within a writer's scope,
        # a key already recorded at another center).
        unique_together = (("organization", "external_id", "center"),)
        # Covering indexes: every report reads only index pages (index-only scans on
        # PostgreSQL, covering indexes on SQLite), by campaign or by center, within a window.
        # `id` comes right after the day, so a (campaign or center, day) range keeps its rows in
        # arrival order and new messages are appended at its end: a 10,000-message batch then
        # writes a few pages per range instead of one page per message at random, which with a
        # buffer pool smaller than the indexes was most of an ingest's database time. Reports
        # read whole ranges, so the columns after `id` are only carried, never searched on.
        indexes = (
            Index(
                fields=(
                    "campaign_id",
                    "business_date",
                    "id",
                    "center_id",
                    "guest_key",
                    "outcome",
                    "credits_e4",
                ),
                name="message_campaign_days",
            ),
            Index(
                fields=(
                    "center_id",
                    "business_date",
                    "id",
                    "campaign_id",
                    "guest_key",
                    "outcome",
                    "credits_e4",
                ),
                name="message_center_days",
            ),
        )


class CreditTransaction(Model):
    """Credits into or out of an account (a credit source) other than by messages: purchases,
    grants, adjustments and expiries (backend/accounts/)."""

    id = fields.BigIntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="credit_transactions", on_delete=fields.RESTRICT
    )
    organization_id: str
    external_id = fields.CharField(max_length=MAX_ID_LENGTH)
    credit_source: fields.ForeignKeyRelation[CreditSource] = fields.ForeignKeyField(
        "models.CreditSource", related_name="transactions", on_delete=fields.RESTRICT
    )
    credit_source_id: str
    kind = fields.CharEnumField(CreditTransactionKind, max_length=16)
    # Signed ten-thousandths, as messages' credits: integers sum exactly on every database.
    credits_e4 = fields.BigIntField()
    occurred_at = fields.DatetimeField()
    # The calendar date of `occurred_at` in the organization's time zone, fixed when recorded.
    business_date = fields.DateField()
    note = fields.TextField(null=True)
    reported_at = fields.DatetimeField()

    class Meta:
        table = "credit_transaction"
        # The idempotency key.
        unique_together = (("organization", "external_id"),)
        # Statements and balances read an account's transactions by date.
        indexes = (
            Index(
                fields=("credit_source_id", "business_date", "kind", "credits_e4"),
                name="credit_transaction_days",
            ),
        )


class RateCard(Model):
    """What a credit source charges per billed unit from `valid_from` until the next card of
    the same source (§10); its rates are `RateCardRate` rows."""

    id = fields.BigIntField(primary_key=True)
    credit_source: fields.ForeignKeyRelation[CreditSource] = fields.ForeignKeyField(
        "models.CreditSource", related_name="rate_cards", on_delete=fields.RESTRICT
    )
    credit_source_id: str
    # A business date: a message is priced by the card valid on its own business date.
    valid_from = fields.DateField()

    class Meta:
        table = "rate_card"
        unique_together = (("credit_source", "valid_from"),)


class RateCardRate(Model):
    """One rate of a card. "*" stands for any country or any category (not NULL, so that the
    unique key holds on both databases and a lookup is a plain equality)."""

    id = fields.BigIntField(primary_key=True)
    rate_card: fields.ForeignKeyRelation[RateCard] = fields.ForeignKeyField(
        "models.RateCard", related_name="rates", on_delete=fields.CASCADE
    )
    rate_card_id: int
    channel = fields.CharEnumField(Channel, max_length=16)
    country_code = fields.CharField(max_length=2)
    category = fields.CharField(max_length=16)
    # Ten-thousandths of a credit per unit, as every credit amount.
    credits_per_unit_e4 = fields.BigIntField()

    class Meta:
        table = "rate_card_rate"
        unique_together = (("rate_card", "channel", "country_code", "category"),)


class Guest(Model):
    """A guest of an organization, by the upstream opaque id, with a compact integer key."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="guests", on_delete=fields.RESTRICT
    )
    organization_id: str
    guest_id = fields.CharField(max_length=MAX_ID_LENGTH)

    class Meta:
        table = "guest"
        unique_together = (("organization", "guest_id"),)
        # The ledger looks up the key of every message's guest (backend/guests.py): with the key
        # in the index, those 10,000 lookups a batch read index pages only, not also a random
        # heap page each (on `large`, about a quarter of an ingest's database time).
        indexes = (Index(fields=("organization_id", "guest_id", "id"), name="guest_keys"),)


class ApiToken(Model):
    """A bearer token for integrators: only a digest of the secret is stored."""

    id = fields.IntField(primary_key=True)
    digest = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=200, default="")
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="api_tokens", on_delete=fields.CASCADE
    )
    organization_id: str
    zone_id = fields.CharField(max_length=ID_LENGTH, null=True)
    center_id = fields.CharField(max_length=ID_LENGTH, null=True)
    can_write = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class User(Model):
    """A person who signs in to the web app, with the same scope as a token."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="users", on_delete=fields.CASCADE
    )
    organization_id: str
    zone_id = fields.CharField(max_length=ID_LENGTH, null=True)
    center_id = fields.CharField(max_length=ID_LENGTH, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # An organization-level administrator may record credit transactions and manage alerts
    # from the web app (`user create --admin`).
    is_admin = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "app_user"


class IngestBatch(Model):
    """Audit trail: who recorded which batch, when, and what it changed."""

    id = fields.BigIntField(primary_key=True)
    organization_id = fields.CharField(max_length=ID_LENGTH, null=True)
    actor = fields.CharField(max_length=200)
    received_at = fields.DatetimeField(auto_now_add=True)
    # RECORDED (applied), REJECTED (nothing stored: `rejected` rows were bad) or VOIDED (an
    # operator neutralised `updated` stored messages; see VoidedMessage).
    action = fields.CharField(max_length=16, default="RECORDED")
    received = fields.IntField()
    inserted = fields.IntField()
    updated = fields.IntField()
    unchanged = fields.IntField()
    rejected = fields.IntField(default=0)

    class Meta:
        table = "ingest_batch"


class VoidedMessage(Model):
    """A message an operator removed from the ledger (`credit-report messages void`), kept
    whole as evidence: bad rows recorded before the ledger's bounds existed, for instance."""

    id = fields.BigIntField(primary_key=True)
    batch: fields.ForeignKeyRelation[IngestBatch] = fields.ForeignKeyField(
        "models.IngestBatch", related_name="voided", on_delete=fields.RESTRICT
    )
    batch_id: int
    organization_id = fields.CharField(max_length=ID_LENGTH)
    external_id = fields.CharField(max_length=MAX_ID_LENGTH)
    campaign_id = fields.CharField(max_length=ID_LENGTH)
    center_id = fields.CharField(max_length=ID_LENGTH)
    guest_id = fields.CharField(max_length=MAX_ID_LENGTH)
    sent_at = fields.DatetimeField()
    outcome = fields.CharField(max_length=16)
    credits_e4 = fields.BigIntField()
    reported_at = fields.DatetimeField()

    class Meta:
        table = "voided_message"


class Session(Model):
    """A signed-in web app session: the cookie carries its secret, the table a digest."""

    id = fields.BigIntField(primary_key=True)
    digest = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "app_session"


class SignInFailure(Model):
    """A failed sign-in, kept by the throttle (backend/signin_throttle.py) until it ages out.

    In the database rather than in memory so that every app process counts the same failures.
    """

    id = fields.BigIntField(primary_key=True)
    # A SHA-256 of the normalized email, not the email: people type passwords into the email
    # field, and a failure table must not keep them readable.
    account_digest = fields.CharField(max_length=64)
    # The client address as the throttle keys it (an IPv6 client by its /64).
    address = fields.CharField(max_length=64)
    failed_at = fields.DatetimeField()

    class Meta:
        table = "sign_in_failure"
        indexes = (
            Index(fields=("address", "failed_at"), name="sign_in_failure_address"),
            Index(fields=("account_digest", "address", "failed_at"), name="sign_in_failure_pair"),
            # The global limit and the pruning read by time alone.
            Index(fields=("failed_at",), name="sign_in_failure_time"),
        )


class CreditAlert(Model):
    """An alert on an account (§9), whose state changes only through the conditional UPDATE
    of backend/accounts/alerts.py, so each change (and its event) happens once."""

    id = fields.BigIntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="credit_alerts", on_delete=fields.RESTRICT
    )
    organization_id: str
    credit_source: fields.ForeignKeyRelation[CreditSource] = fields.ForeignKeyField(
        "models.CreditSource", related_name="alerts", on_delete=fields.RESTRICT
    )
    credit_source_id: str
    kind = fields.CharField(max_length=32)  # BALANCE_BELOW | DAYS_LEFT_BELOW | DAILY_BURN_ABOVE
    threshold_e4 = fields.BigIntField()
    webhook_url = fields.TextField(null=True)
    state = fields.CharField(max_length=16, default="OK")  # OK | FIRING
    changed_at = fields.DatetimeField()

    class Meta:
        table = "credit_alert"
        indexes = (Index(fields=("credit_source_id",), name="credit_alert_source"),)


class AlertEvent(Model):
    """The outbox: one row per state change of an alert, delivered at least once by
    backend/accounts/webhooks.py. All delivery state lives here, so a restart loses nothing and
    an expired `claimed_until` hands the event to another process."""

    id = fields.UUIDField(primary_key=True)
    alert: fields.ForeignKeyRelation[CreditAlert] = fields.ForeignKeyField(
        "models.CreditAlert", related_name="events", on_delete=fields.CASCADE
    )
    alert_id: int
    type = fields.CharField(max_length=32)  # credit_alert.fired | credit_alert.resolved
    payload = fields.TextField()  # the JSON body, fixed when the state changed
    created_at = fields.DatetimeField()
    next_attempt_at = fields.DatetimeField(null=True)  # null once delivered, given up or no URL
    attempts = fields.IntField(default=0)
    delivered_at = fields.DatetimeField(null=True)
    given_up_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)

    class Meta:
        table = "alert_event"
        indexes = (Index(fields=("next_attempt_at",), name="alert_event_due"),)


class AlertDelivery(Model):
    """One attempt to deliver an event, whatever its outcome."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[AlertEvent] = fields.ForeignKeyField(
        "models.AlertEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_id: str
    attempted_at = fields.DatetimeField()
    response_status = fields.IntField(null=True)
    error = fields.TextField(null=True)
    delivered = fields.BooleanField()

    class Meta:
        table = "alert_delivery"
        indexes = (Index(fields=("event_id", "attempted_at"), name="alert_delivery_event"),)


class WebhookSecret(Model):
    """The organization's webhook signing secret, made on first use and rotated by the CLI."""

    id = fields.BigIntField(primary_key=True)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="webhook_secret", on_delete=fields.CASCADE
    )
    organization_id: str
    secret = fields.CharField(max_length=128)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_secret"


class UsageVisit(Model):
    """One (campaign, center, guest, business day) with messages: what distinct guests are
    counted from, written by the ingest that first records such a message.

    `previous_day` is the day of the guest's previous visit to the campaign at any center
    (visits ordered by day, then center id; 0 for none), `previous_center_day` the previous
    visit at the same center. A guest has messages in a window [a, b] exactly when one of its
    visits in it has a previous visit before a, so distinct guests are counts of visits.
    Days are day numbers (days since 1970-01-01), the form the in-memory arrays use.
    """

    id = fields.BigIntField(primary_key=True)
    campaign_id = fields.CharField(max_length=ID_LENGTH)
    center_id = fields.CharField(max_length=ID_LENGTH)
    guest_key = fields.IntField()
    day = fields.IntField()
    previous_day = fields.IntField()
    previous_center_day = fields.IntField()
    seq = fields.BigIntField()

    class Meta:
        table = "usage_visit"
        # Also the lookup of one guest's visits to a campaign, when a batch adds one.
        unique_together = (("campaign_id", "guest_key", "day", "center_id"),)
        indexes = (Index(fields=("campaign_id", "seq"), name="usage_visit_changes"),)


class UsageCell(Model):
    """A campaign's messages at one center on one business day, summed: what processed counts
    and credits are answered from. Credits are summed in two parts (ten-thousandths divided
    by 10^8, and the remainders) so that no total can overflow 64 bits."""

    id = fields.BigIntField(primary_key=True)
    campaign_id = fields.CharField(max_length=ID_LENGTH)
    center_id = fields.CharField(max_length=ID_LENGTH)
    day = fields.IntField()
    messages = fields.BigIntField()
    processed = fields.BigIntField()
    credits_high = fields.BigIntField()
    credits_low = fields.BigIntField()
    seq = fields.BigIntField()

    class Meta:
        table = "usage_cell"
        unique_together = (("campaign_id", "center_id", "day"),)
        indexes = (Index(fields=("campaign_id", "seq"), name="usage_cell_changes"),)


class UsageSnapshot(Model):
    """A campaign's arrays as one process built them (backend/engine/snapshots.py), at its
    `ledger_version` and `ledger_seq`: a new process reads these and then only the derived rows
    numbered above them, instead of every derived row."""

    campaign_id = fields.CharField(primary_key=True, max_length=ID_LENGTH)
    version = fields.BigIntField()
    seq = fields.BigIntField()
    data = fields.BinaryField()

    class Meta:
        table = "usage_snapshot"
