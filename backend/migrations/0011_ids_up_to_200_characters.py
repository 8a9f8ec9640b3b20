from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# External and guest ids may be 1-200 characters (the ledger's bounds, backend/bounds.py). As in
# 0007, the field changes are recorded in the model state only (on SQLite, Tortoise's AlterField
# rebuilds the table and loses its indexes; SQLite does not enforce a VARCHAR's length anyway),
# and PostgreSQL widens the columns in place (no table rewrite for a longer VARCHAR).
WIDENED = (("guest", "guest_id"), ("message", "external_id"), ("message", "guest_id"))


async def widen_columns(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    for table, column in WIDENED:
        await schema_editor.client.execute_script(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE VARCHAR(200)'
        )


class AlterFieldInStateOnly(ops.AlterField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0010_sign_in_failure')]

    initial = False

    operations = [
        AlterFieldInStateOnly(
            model_name='Guest',
            name='guest_id',
            field=fields.CharField(max_length=200),
        ),
        AlterFieldInStateOnly(
            model_name='Message',
            name='external_id',
            field=fields.CharField(max_length=200),
        ),
        AlterFieldInStateOnly(
            model_name='Message',
            name='guest_id',
            field=fields.CharField(max_length=200),
        ),
        ops.RunPython(widen_columns),
    ]
