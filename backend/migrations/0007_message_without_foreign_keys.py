from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

# The ledger checks and locks a batch's campaigns and centers once per batch (backend/ledger.py);
# the per-row foreign-key triggers took over half of an insert's time on PostgreSQL. The field
# changes are recorded in the model state only (on SQLite, Tortoise's AlterField rebuilds the
# table and loses its indexes), and the constraints are dropped by name on PostgreSQL. SQLite
# cannot drop a constraint without rebuilding the table: a SQLite database upgraded from an
# older release keeps them, which costs it little.
FOREIGN_KEYS = ("message_campaign_id_fkey", "message_center_id_fkey", "message_organization_id_fkey")


async def drop_foreign_keys(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    for name in FOREIGN_KEYS:
        await schema_editor.client.execute_script(
            f'ALTER TABLE message DROP CONSTRAINT IF EXISTS "{name}"'
        )


class AlterFieldInStateOnly(ops.AlterField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0006_organization_catalog_version')]

    initial = False

    operations = [
        AlterFieldInStateOnly(
            model_name='Message',
            name='campaign',
            field=fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=False, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT),
        ),
        AlterFieldInStateOnly(
            model_name='Message',
            name='center',
            field=fields.ForeignKeyField('models.Center', source_field='center_id', db_constraint=False, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT),
        ),
        AlterFieldInStateOnly(
            model_name='Message',
            name='organization',
            field=fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=False, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT),
        ),
        ops.RunPython(drop_foreign_keys),
    ]
