"""Each due date carries its own provisional flag; case events are typed by `CaseEventKind`; the
idempotency keys move to the one store (common.IdempotencyKey, public).

The old flag (`due_provisional`: either date provisional) becomes both flags, each kept only where its
date falls after the last year whose holiday schedule is known (2026 for chinese-calendar as installed
when this was written, or a later year an administrator entered): a date inside a known year was not
the provisional one. The next calendar change recomputes them exactly. Plain SQL, so that a new
centre's schema is still provisioned by replaying the migrations as SQL (tenants.provisioning).

Keys clients sent before this migration are not carried over (they are kept for retries, minutes
long; they were per centre and scoped differently): a retry across the upgrade files again."""
from django.db import migrations, models

KNOWN_UNTIL = ("make_date(GREATEST(2026, COALESCE((SELECT max(year) FROM public.workcalendar_scheduleyear), 0)), "
               "12, 31)")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_green_channel'),
        ('workcalendar', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='promised_due_provisional',
            field=models.BooleanField(default=False, help_text='Counted on days of a year whose holiday schedule is not out yet: recomputed when it is.', verbose_name='promised due date provisional'),
        ),
        migrations.AddField(
            model_name='case',
            name='legal_due_provisional',
            field=models.BooleanField(default=False, verbose_name='legal due date provisional'),
        ),
        migrations.RunSQL(
            f"UPDATE cases_case SET promised_due_provisional = promised_due > {KNOWN_UNTIL}, "
            f"legal_due_provisional = legal_due > {KNOWN_UNTIL} WHERE due_provisional",
            reverse_sql="UPDATE cases_case SET due_provisional = promised_due_provisional OR legal_due_provisional",
        ),
        migrations.RemoveField(
            model_name='case',
            name='due_provisional',
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='action',
            field=models.CharField(choices=[('submit', 'Submitted'), ('accept', 'Accept'), ('refuse', 'Refuse (不予受理)'), ('issue_notice', 'Issue a one-time notice'), ('supplement', 'Record the supplemented materials'), ('start_review', 'Start the review'), ('approve', 'Approve'), ('deny', 'Deny'), ('result_ready', 'Result ready'), ('collect', 'Result collected'), ('withdraw', 'Withdraw'), ('due_recomputed', 'Due dates recomputed (the calendar changed)')], max_length=24, verbose_name='what happened'),
        ),
        migrations.DeleteModel(
            name='IdempotencyKey',
        ),
    ]
