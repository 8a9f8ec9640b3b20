from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Snapshots of the reporting engine's arrays, one per campaign, so that a new process reads
# them rather than every derived row.


class Migration(migrations.Migration):
    dependencies = [("models", "0018_message_cost_attributes_and_rate_cards")]

    initial = False

    operations = [
        ops.CreateModel(
            name="UsageSnapshot",
            fields=[
                ("campaign_id", fields.CharField(primary_key=True, max_length=64)),
                ("version", fields.BigIntField()),
                ("seq", fields.BigIntField()),
                ("data", fields.BinaryField()),
            ],
            options={
                "table": "usage_snapshot",
                "app": "models",
                "pk_attr": "campaign_id",
                "table_description": "A campaign's arrays as one process built them (backend/engine/snapshots.py), at its",
            },
            bases=["Model"],
        ),
    ]
