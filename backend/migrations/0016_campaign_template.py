from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0015_user_admin")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Campaign",
            name="template",
            field=fields.TextField(null=True),
        ),
    ]
