from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Message',
            name='message_campaign_date',
            fields=None,
        ),
        ops.RemoveIndex(
            model_name='Message',
            name='message_center_date',
            fields=None,
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['campaign_id', 'business_date', 'guest_id', 'outcome', 'credits_e4'], name='message_campaign_report'),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['center_id', 'business_date', 'campaign_id', 'guest_id', 'outcome', 'credits_e4'], name='message_center_report'),
        ),
    ]
