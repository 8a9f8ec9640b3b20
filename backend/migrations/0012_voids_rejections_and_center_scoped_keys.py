from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

# The audit trail records rejected batches and voids (with the voided rows kept whole), and the
# message key gains the center: (organization, externalId, center). The constraint changes are
# recorded in the model state only and made here by hand: SQLite cannot drop a table
# constraint, so its message table is rebuilt with the new one (same columns, rows and indexes).
OLD_KEY = 'UNIQUE ("organization_id", "external_id")'
NEW_KEY = 'UNIQUE ("organization_id", "external_id", "center_id")'


async def key_messages_by_center(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(
            'ALTER TABLE message DROP CONSTRAINT IF EXISTS "uid_message_organiz_6dcf3b"; '
            'ALTER TABLE message ADD CONSTRAINT "uid_message_organiz_center" '
            "UNIQUE (organization_id, external_id, center_id)"
        )
        return
    objects = await client.execute_query_dict(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'message' AND sql IS NOT NULL"
    )
    table = next(o["sql"] for o in objects if o["type"] == "table")
    if OLD_KEY not in table:
        raise RuntimeError("the message table's key is not the one this migration replaces")
    rebuilt = table.replace(OLD_KEY, NEW_KEY).replace('"message"', '"message_rebuilt"', 1)
    indexes = [o["sql"] for o in objects if o["type"] == "index"]
    await client.execute_script(
        f"{rebuilt}; INSERT INTO message_rebuilt SELECT * FROM message; DROP TABLE message; "
        "ALTER TABLE message_rebuilt RENAME TO message; " + "; ".join(indexes)
    )


class ConstraintInStateOnly:
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


class RemoveConstraintInStateOnly(ConstraintInStateOnly, ops.RemoveConstraint):
    pass


class AddConstraintInStateOnly(ConstraintInStateOnly, ops.AddConstraint):
    pass


class Migration(migrations.Migration):
    dependencies = [('models', '0011_ids_up_to_200_characters')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VoidedMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('batch', fields.ForeignKeyField('models.IngestBatch', source_field='batch_id', db_constraint=True, to_field='id', related_name='voided', on_delete=OnDelete.RESTRICT)),
                ('organization_id', fields.CharField(max_length=64)),
                ('external_id', fields.CharField(max_length=200)),
                ('campaign_id', fields.CharField(max_length=64)),
                ('center_id', fields.CharField(max_length=64)),
                ('guest_id', fields.CharField(max_length=200)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(max_length=16)),
                ('credits_e4', fields.BigIntField()),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'voided_message', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A message an operator removed from the ledger (`credit-report messages void`), kept'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='IngestBatch',
            name='action',
            field=fields.CharField(default='RECORDED', max_length=16),
        ),
        ops.AddField(
            model_name='IngestBatch',
            name='rejected',
            field=fields.IntField(default=0),
        ),
        RemoveConstraintInStateOnly(
            model_name='Message',
            name=None,
            fields=['organization', 'external_id'],
        ),
        AddConstraintInStateOnly(
            model_name='Message',
            constraint=UniqueConstraint(fields=('organization', 'external_id', 'center'), name=None),
        ),
        ops.RunPython(key_messages_by_center),
    ]
