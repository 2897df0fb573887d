"""The agency records (agents, problems, approvals) are re-pointed from delegation's key-project list to
the project's row on the key-project register (`KeyProject.project`, filled by projects.0002), and
delegation's own list goes."""
import django.db.models.deletion
from django.db import migrations, models

RECORDS = ("delegation_agencyassignment", "delegation_projectproblem", "delegation_projectapproval")

# Through negative numbers: an assignment's unique (project, agent) is checked row by row, and a
# project's new number may still be another's old one in the middle of the statement.
REPOINT = "".join(f"""
UPDATE {table} r SET project_id = -k.project_id FROM delegation_keyproject k WHERE r.project_id = k.id;
UPDATE {table} SET project_id = -project_id WHERE project_id < 0;""" for table in RECORDS) + """
SET CONSTRAINTS ALL IMMEDIATE;"""

REPOINT_BACK = "".join(f"""
UPDATE {table} r SET project_id = -k.id FROM delegation_keyproject k WHERE r.project_id = k.project_id;
UPDATE {table} SET project_id = -project_id WHERE project_id < 0;""" for table in RECORDS) + """
SET CONSTRAINTS ALL IMMEDIATE;"""


def _project(to: str, related_name: str, **options) -> models.ForeignKey:
    return models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name=related_name, to=to,
                             verbose_name='project', **options)


class Migration(migrations.Migration):

    dependencies = [
        ('delegation', '0003_keyproject_project'),
        ('projects', '0002_carry_key_projects_and_linked_projects'),
    ]

    operations = [
        # 1. loosened (no constraint) while their values change
        migrations.AlterField('agencyassignment', 'project',
                              _project('delegation.keyproject', 'assignments', db_constraint=False)),
        migrations.AlterField('projectapproval', 'project',
                              _project('delegation.keyproject', 'approvals', db_constraint=False)),
        migrations.AlterField('projectproblem', 'project',
                              _project('delegation.keyproject', 'problems', db_constraint=False)),
        # 2. from the list's id to the register's
        migrations.RunSQL(REPOINT, REPOINT_BACK),
        # 3. keyed by the register's project
        migrations.AlterField('agencyassignment', 'project', _project('projects.keyproject', 'assignments')),
        migrations.AlterField('projectapproval', 'project', _project('projects.keyproject', 'approvals')),
        migrations.AlterField('projectproblem', 'project', _project('projects.keyproject', 'problems')),
        migrations.DeleteModel(
            name='KeyProject',
        ),
    ]
