from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0014_credit_alerts_and_webhook_outbox")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="is_admin",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
