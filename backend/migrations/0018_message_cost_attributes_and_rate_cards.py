from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.fields.base import OnDelete

from backend.enums import Channel

# Why each message cost what it cost (§10): its billed units (1 for every message recorded
# before), country, SMS encoding and WhatsApp category, and each credit source's rate cards.


class Migration(migrations.Migration):
    dependencies = [("models", "0017_usage_visits_and_cells")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RateCard",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "credit_source",
                    fields.ForeignKeyField(
                        "models.CreditSource",
                        source_field="credit_source_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rate_cards",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("valid_from", fields.DateField()),
            ],
            options={
                "table": "rate_card",
                "app": "models",
                "unique_together": (("credit_source", "valid_from"),),
                "pk_attr": "id",
                "table_description": "What a credit source charges per billed unit from `valid_from` until the next card of",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RateCardRate",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "rate_card",
                    fields.ForeignKeyField(
                        "models.RateCard",
                        source_field="rate_card_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rates",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="SMS: SMS\nWHATSAPP: WHATSAPP\nEMAIL: EMAIL",
                        enum_type=Channel,
                        max_length=16,
                    ),
                ),
                ("country_code", fields.CharField(max_length=2)),
                ("category", fields.CharField(max_length=16)),
                ("credits_per_unit_e4", fields.BigIntField()),
            ],
            options={
                "table": "rate_card_rate",
                "app": "models",
                "unique_together": (("rate_card", "channel", "country_code", "category"),),
                "pk_attr": "id",
                "table_description": 'One rate of a card. "*" stands for any country or any category (not NULL, so that the',
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Message",
            name="category",
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name="Message",
            name="country_code",
            field=fields.CharField(null=True, max_length=2),
        ),
        ops.AddField(
            model_name="Message",
            name="encoding",
            field=fields.CharField(null=True, max_length=8),
        ),
        ops.AddField(
            model_name="Message",
            name="units",
            field=fields.IntField(default=1, db_default=1),
        ),
    ]
