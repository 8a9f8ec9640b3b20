from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Older messages get their guest key from the guest table, filled from the messages themselves.
BACKFILL = [
    "INSERT INTO guest (organization_id, guest_id) "
    "SELECT DISTINCT organization_id, guest_id FROM message",
    "UPDATE message SET guest_key = (SELECT guest.id FROM guest "
    "WHERE guest.organization_id = message.organization_id "
    "AND guest.guest_id = message.guest_id)",
]


class Migration(migrations.Migration):
    dependencies = [('models', '0002_covering_report_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Guest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='guests', on_delete=OnDelete.RESTRICT)),
                ('guest_id', fields.CharField(max_length=128)),
            ],
            options={'table': 'guest', 'app': 'models', 'unique_together': (('organization', 'guest_id'),), 'pk_attr': 'id', 'table_description': "A guest of an organization, by the upstream opaque id, with a compact integer key."},
            bases=['Model'],
        ),
        ops.RemoveIndex(
            model_name='Message',
            name='message_campaign_report',
            fields=None,
        ),
        ops.RemoveIndex(
            model_name='Message',
            name='message_center_report',
            fields=None,
        ),
        ops.AddField(
            model_name='Message',
            name='guest_key',
            field=fields.IntField(null=True),
        ),
        ops.RunSQL(BACKFILL),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['campaign_id', 'business_date', 'guest_key', 'outcome', 'credits_e4'], name='message_campaign_guests'),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['center_id', 'business_date', 'campaign_id', 'guest_key', 'outcome', 'credits_e4'], name='message_center_guests'),
        ),
    ]
