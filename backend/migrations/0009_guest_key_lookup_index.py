from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

# The ledger's guest-key lookups read index pages only (backend/models.py, Guest).

class Migration(migrations.Migration):
    dependencies = [('models', '0008_message_indexes_in_arrival_order')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Guest',
            index=Index(fields=['organization_id', 'guest_id', 'id'], name='guest_keys'),
        ),
    ]
