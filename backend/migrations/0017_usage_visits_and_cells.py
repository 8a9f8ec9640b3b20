from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

from backend.engine.writes import rebuild_campaigns

# The reporting engine's derived rows (visits with their previous visits, and per-center daily
# sums), each numbered by its campaign's `ledger_seq`, filled here from the messages already
# recorded; from now on every ingest keeps them in its own transaction.


async def derive_usage(apps, schema_editor) -> None:
    await rebuild_campaigns(schema_editor.client, None)


class Migration(migrations.Migration):
    dependencies = [("models", "0016_campaign_template")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Campaign",
            name="ledger_seq",
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.CreateModel(
            name="UsageVisit",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("campaign_id", fields.CharField(max_length=64)),
                ("center_id", fields.CharField(max_length=64)),
                ("guest_key", fields.IntField()),
                ("day", fields.IntField()),
                ("previous_day", fields.IntField()),
                ("previous_center_day", fields.IntField()),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "usage_visit",
                "app": "models",
                "unique_together": (("campaign_id", "guest_key", "day", "center_id"),),
                "indexes": [Index(fields=["campaign_id", "seq"], name="usage_visit_changes")],
                "pk_attr": "id",
                "table_description": "One (campaign, center, guest, business day) with messages: what distinct guests are",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UsageCell",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("campaign_id", fields.CharField(max_length=64)),
                ("center_id", fields.CharField(max_length=64)),
                ("day", fields.IntField()),
                ("messages", fields.BigIntField()),
                ("processed", fields.BigIntField()),
                ("credits_high", fields.BigIntField()),
                ("credits_low", fields.BigIntField()),
                ("seq", fields.BigIntField()),
            ],
            options={
                "table": "usage_cell",
                "app": "models",
                "unique_together": (("campaign_id", "center_id", "day"),),
                "indexes": [Index(fields=["campaign_id", "seq"], name="usage_cell_changes")],
                "pk_attr": "id",
                "table_description": "A campaign's messages at one center on one business day, summed: what processed counts",
            },
            bases=["Model"],
        ),
        ops.RunPython(derive_usage),
    ]
