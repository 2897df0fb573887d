"""The dashboards read a daily roll-up (supervision.DashboardDay) instead of the registry's rows: the 1 GB
covering index over `submitted_at` that every registry write maintained goes; a plain index on
`last_event_at` (appended at its end by every write) finds the rows the roll-up must look at again and
today's rows the pages read live. Both concurrently: the registry stays writable meanwhile."""
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('registry', '0009_registryentry_outbox_id'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='registryentry',
            index=models.Index(fields=['last_event_at'], name='registry_last_event'),
        ),
        RemoveIndexConcurrently(
            model_name='registryentry',
            name='registry_dash_submitted',
        ),
    ]
