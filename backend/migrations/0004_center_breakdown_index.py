from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_guest_keys')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Message',
            name='message_campaign_guests',
            fields=None,
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['campaign_id', 'business_date', 'center_id', 'guest_key', 'outcome', 'credits_e4'], name='message_campaign_centers'),
        ),
    ]
