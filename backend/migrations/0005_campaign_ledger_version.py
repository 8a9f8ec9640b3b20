from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0004_center_breakdown_index")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Campaign",
            name="ledger_version",
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
