from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

# The covering indexes keep each (campaign or center, business date) range in arrival order
# (`id` third), so an ingest appends to the ranges instead of writing at random inside them
# (backend/models.py). On a large ledger each index takes a minute or two to build.

class Migration(migrations.Migration):
    dependencies = [('models', '0007_message_without_foreign_keys')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['campaign_id', 'business_date', 'id', 'center_id', 'guest_key', 'outcome', 'credits_e4'], name='message_campaign_days'),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['center_id', 'business_date', 'id', 'campaign_id', 'guest_key', 'outcome', 'credits_e4'], name='message_center_days'),
        ),
        ops.RemoveIndex(
            model_name='Message',
            name='message_campaign_centers',
            fields=None,
        ),
        ops.RemoveIndex(
            model_name='Message',
            name='message_center_guests',
            fields=None,
        ),
    ]
