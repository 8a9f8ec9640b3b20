from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.enums import CreditTransactionKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Credit accounts: purchases, grants, adjustments and expiries of each credit source, keyed by
# (organization, externalId) like messages, and read by account and business date.

class Migration(migrations.Migration):
    dependencies = [('models', '0012_voids_rejections_and_center_scoped_keys')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CreditTransaction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='credit_transactions', on_delete=OnDelete.RESTRICT)),
                ('external_id', fields.CharField(max_length=200)),
                ('credit_source', fields.ForeignKeyField('models.CreditSource', source_field='credit_source_id', db_constraint=True, to_field='id', related_name='transactions', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='PURCHASE: PURCHASE\nGRANT: GRANT\nADJUSTMENT: ADJUSTMENT\nEXPIRY: EXPIRY', enum_type=CreditTransactionKind, max_length=16)),
                ('credits_e4', fields.BigIntField()),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('business_date', fields.DateField()),
                ('note', fields.TextField(null=True, unique=False)),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'credit_transaction', 'app': 'models', 'unique_together': (('organization', 'external_id'),), 'indexes': [Index(fields=['credit_source_id', 'business_date', 'kind', 'credits_e4'], name='credit_transaction_days')], 'pk_attr': 'id', 'table_description': 'Credits into or out of an account (a credit source) other than by messages: purchases,'},
            bases=['Model'],
        ),
    ]
