from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.enums import CampaignStatus, CampaignType, Channel, CreatedFrom, MessageOutcome
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='IngestBatch',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization_id', fields.CharField(null=True, max_length=64)),
                ('actor', fields.CharField(max_length=200)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('received', fields.IntField()),
                ('inserted', fields.IntField()),
                ('updated', fields.IntField()),
                ('unchanged', fields.IntField()),
            ],
            options={'table': 'ingest_batch', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Audit trail: who recorded which batch, when, and what it changed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Organization',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('timezone', fields.CharField(max_length=64)),
            ],
            options={'table': 'organization', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('label', fields.CharField(default='', max_length=200)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='api_tokens', on_delete=OnDelete.CASCADE)),
                ('zone_id', fields.CharField(null=True, max_length=64)),
                ('center_id', fields.CharField(null=True, max_length=64)),
                ('can_write', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A bearer token for integrators: only a digest of the secret is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditSource',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='credit_sources', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
            ],
            options={'table': 'credit_source', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('type', fields.CharEnumField(description='ALWAYS_ON: ALWAYS_ON\nSCHEDULED: SCHEDULED', enum_type=CampaignType, max_length=16)),
                ('created_from', fields.CharEnumField(description='ORGANIZATION: ORGANIZATION\nZONE: ZONE\nCENTER: CENTER', enum_type=CreatedFrom, max_length=16)),
                ('owner_id', fields.CharField(max_length=64)),
                ('channel', fields.CharEnumField(description='SMS: SMS\nWHATSAPP: WHATSAPP\nEMAIL: EMAIL', enum_type=Channel, max_length=16)),
                ('credit_source', fields.ForeignKeyField('models.CreditSource', source_field='credit_source_id', db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(description='LIVE: LIVE\nPROCESSED: PROCESSED\nPAUSED: PAUSED', enum_type=CampaignStatus, max_length=16)),
            ],
            options={'table': 'campaign', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.CASCADE)),
                ('zone_id', fields.CharField(null=True, max_length=64)),
                ('center_id', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'app_user', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person who signs in to the web app, with the same scope as a token.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'app_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A signed-in web app session: the cookie carries its secret, the table a digest.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Zone',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='zones', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
            ],
            options={'table': 'zone', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Center',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='centers', on_delete=OnDelete.RESTRICT)),
                ('zone', fields.ForeignKeyField('models.Zone', source_field='zone_id', null=True, db_constraint=True, to_field='id', related_name='centers', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('timezone', fields.CharField(max_length=64)),
            ],
            options={'table': 'center', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT)),
                ('external_id', fields.CharField(max_length=128)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT)),
                ('center', fields.ForeignKeyField('models.Center', source_field='center_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT)),
                ('guest_id', fields.CharField(max_length=128)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('business_date', fields.DateField()),
                ('outcome', fields.CharEnumField(description='PROCESSED: PROCESSED\nFAILED: FAILED\nSKIPPED: SKIPPED', enum_type=MessageOutcome, max_length=16)),
                ('credits_e4', fields.BigIntField()),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'message', 'app': 'models', 'unique_together': (('organization', 'external_id'),), 'indexes': [Index(fields=['campaign_id', 'business_date'], name='message_campaign_date'), Index(fields=['center_id', 'business_date'], name='message_center_date')], 'pk_attr': 'id', 'table_description': "One attempt by one campaign to reach one guest at one center."},
            bases=['Model'],
        ),
    ]
