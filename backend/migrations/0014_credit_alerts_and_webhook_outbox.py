from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# Credit alerts: each alert's state, the outbox of its state changes (delivered to webhooks at
# least once, all delivery state in the row), one row per delivery attempt, and each
# organization's webhook signing secret.


class Migration(migrations.Migration):
    dependencies = [('models', '0013_credit_transactions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CreditAlert',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='credit_alerts', on_delete=OnDelete.RESTRICT)),
                ('credit_source', fields.ForeignKeyField('models.CreditSource', source_field='credit_source_id', db_constraint=True, to_field='id', related_name='alerts', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=32)),
                ('threshold_e4', fields.BigIntField()),
                ('webhook_url', fields.TextField(null=True, unique=False)),
                ('state', fields.CharField(default='OK', max_length=16)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'credit_alert', 'app': 'models', 'indexes': [Index(fields=['credit_source_id'], name='credit_alert_source')], 'pk_attr': 'id', 'table_description': 'An alert on an account (§9), whose state changes only through the conditional UPDATE'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AlertEvent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('alert', fields.ForeignKeyField('models.CreditAlert', source_field='alert_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=32)),
                ('payload', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('given_up_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'alert_event', 'app': 'models', 'indexes': [Index(fields=['next_attempt_at'], name='alert_event_due')], 'pk_attr': 'id', 'table_description': 'The outbox: one row per state change of an alert, delivered at least once by'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AlertDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.AlertEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('attempted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('response_status', fields.IntField(null=True)),
                ('error', fields.TextField(null=True, unique=False)),
                ('delivered', fields.BooleanField()),
            ],
            options={'table': 'alert_delivery', 'app': 'models', 'indexes': [Index(fields=['event_id', 'attempted_at'], name='alert_delivery_event')], 'pk_attr': 'id', 'table_description': 'One attempt to deliver an event, whatever its outcome.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookSecret',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='webhook_secret', on_delete=OnDelete.CASCADE)),
                ('secret', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_secret', 'app': 'models', 'pk_attr': 'id', 'table_description': "The organization's webhook signing secret, made on first use and rotated by the CLI."},
            bases=['Model'],
        ),
    ]
