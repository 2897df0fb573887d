"""The dashboards read a daily roll-up (supervision.DashboardDay) instead of the registry's rows: the 1 GB
covering index over `submitted_at` that every registry write maintained goes; a plain index on
`last_event_at` (appended at its end by every write) finds the rows the roll-up must look at again and
today's rows the pages read live. Both concurrently: the registry stays writable meanwhile."""
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models, router


class PublicOnly:
    """Run only where the registry's tables are (the public schema): django-tenants also records this public
    app's migrations in every centre's schema, where the operation has nothing to do and must not refuse to
    run inside a transaction (a centre migrated in a test's or a caller's transaction)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexInPublic(PublicOnly, AddIndexConcurrently):
    pass


class RemoveIndexInPublic(PublicOnly, RemoveIndexConcurrently):
    pass


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('registry', '0009_registryentry_outbox_id'),
    ]

    operations = [
        AddIndexInPublic(
            model_name='registryentry',
            index=models.Index(fields=['last_event_at'], name='registry_last_event'),
        ),
        RemoveIndexInPublic(
            model_name='registryentry',
            name='registry_dash_submitted',
        ),
    ]
