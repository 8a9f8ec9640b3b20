from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

# Failed sign-ins move from each process's memory into a table every process shares.

class Migration(migrations.Migration):
    dependencies = [('models', '0009_guest_key_lookup_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SignInFailure',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_digest', fields.CharField(max_length=64)),
                ('address', fields.CharField(max_length=64)),
                ('failed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sign_in_failure', 'app': 'models', 'indexes': [Index(fields=['address', 'failed_at'], name='sign_in_failure_address'), Index(fields=['account_digest', 'address', 'failed_at'], name='sign_in_failure_pair'), Index(fields=['failed_at'], name='sign_in_failure_time')], 'pk_attr': 'id', 'table_description': 'A failed sign-in, kept by the throttle (backend/signin_throttle.py) until it ages out.'},
            bases=['Model'],
        ),
    ]
