"""The joint-case number counter per accepting centre and day (was one row a day for the platform):
the new table starts from the numbers already given, so no number is given twice."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("joint_approval", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="JointCaseCounter"),
        migrations.CreateModel(
            name="JointCaseCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("last", models.PositiveIntegerField(default=0, verbose_name="last number")),
                ("centre", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                             to="tenants.centre", verbose_name="accepting centre")),
            ],
            options={
                "verbose_name": "joint case number counter",
                "verbose_name_plural": "joint case number counters",
                "constraints": [models.UniqueConstraint(fields=("centre", "day"),
                                                        name="joint_approval_jointcasecounter_once",
                                                        violation_error_message="The centre already counts this day.")],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO joint_approval_jointcasecounter (centre_id, day, last) "
            "SELECT accepting_centre_id, accepted_on, max(split_part(number, '-', 3)::integer) "
            "FROM joint_approval_jointcase GROUP BY accepting_centre_id, accepted_on",
            migrations.RunSQL.noop),
    ]
