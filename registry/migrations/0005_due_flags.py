"""Each due date carries its own provisional flag (see cases 0004: the same rule for the rows)."""
from django.db import migrations, models

KNOWN_UNTIL = ("make_date(GREATEST(2026, COALESCE((SELECT max(year) FROM workcalendar_scheduleyear), 0)), 12, 31)")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_green_channel'),
        ('workcalendar', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='registryentry',
            name='registry_provisional',
        ),
        migrations.AddField(
            model_name='registryentry',
            name='promised_due_provisional',
            field=models.BooleanField(default=False, verbose_name='promised due date provisional'),
        ),
        migrations.AddField(
            model_name='registryentry',
            name='legal_due_provisional',
            field=models.BooleanField(default=False, verbose_name='legal due date provisional'),
        ),
        migrations.RunSQL(
            f"UPDATE registry_registryentry SET promised_due_provisional = promised_due > {KNOWN_UNTIL}, "
            f"legal_due_provisional = legal_due > {KNOWN_UNTIL} WHERE due_provisional",
            reverse_sql="UPDATE registry_registryentry SET due_provisional = "
                        "promised_due_provisional OR legal_due_provisional",
        ),
        migrations.RemoveField(
            model_name='registryentry',
            name='due_provisional',
        ),
    ]
