"""Linked projects live on the key-project register (`projects.KeyProject`, filled by projects.0002):
the items by level and the joint cases are re-pointed from the linked project to its register row
(`LinkedProject.project`), and the linked project keeps only what is joint-specific (the bundle)."""
import django.db.models.deletion
from django.db import migrations, models

# Through negative numbers: an item's unique (project, item) is checked row by row, and a linked
# project's new number may still be another's old one in the middle of the statement.
REPOINT = """
UPDATE joint_approval_linkedprojectitem i SET project_id = -l.project_id
  FROM joint_approval_linkedproject l WHERE i.project_id = l.id;
UPDATE joint_approval_linkedprojectitem SET project_id = -project_id WHERE project_id < 0;
UPDATE joint_approval_jointcase j SET project_id = l.project_id
  FROM joint_approval_linkedproject l WHERE j.project_id = l.id;
SET CONSTRAINTS ALL IMMEDIATE;
"""

REPOINT_BACK = """
UPDATE joint_approval_linkedprojectitem i SET project_id = -l.id
  FROM joint_approval_linkedproject l WHERE i.project_id = l.project_id;
UPDATE joint_approval_linkedprojectitem SET project_id = -project_id WHERE project_id < 0;
UPDATE joint_approval_jointcase j SET project_id = l.id
  FROM joint_approval_linkedproject l WHERE j.project_id = l.project_id;
SET CONSTRAINTS ALL IMMEDIATE;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('joint_approval', '0004_linkedproject_project'),
        ('projects', '0002_carry_key_projects_and_linked_projects'),
    ]

    operations = [
        # 1. the items' and joint cases' keys are loosened (no constraint) while their values change
        migrations.AlterField(
            model_name='linkedprojectitem',
            name='project',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='joint_approval.linkedproject', verbose_name='project'),
        ),
        migrations.AlterField(
            model_name='jointcase',
            name='project',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='joint_cases', to='joint_approval.linkedproject', verbose_name='linked project'),
        ),
        # 2. from the linked project's id to its register row's
        migrations.RunSQL(REPOINT, REPOINT_BACK),
        # 3. keyed by the register's project
        migrations.AlterField(
            model_name='jointcase',
            name='project',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='joint_cases', to='projects.keyproject', verbose_name='linked project'),
        ),
        migrations.AlterField(
            model_name='linkedprojectitem',
            name='project',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='linked_items', to='projects.keyproject', verbose_name='project'),
        ),
        # 4. the linked project keeps what is joint-specific; its facts are the register's
        migrations.AlterField(
            model_name='linkedproject',
            name='project',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='linked', to='projects.keyproject', verbose_name='key project'),
        ),
        migrations.AlterModelOptions(
            name='linkedproject',
            options={'verbose_name': 'linked key project', 'verbose_name_plural': 'linked key projects'},
        ),
        migrations.RemoveConstraint(
            model_name='linkedproject',
            name='joint_approval_linkedproject_once',
        ),
        migrations.RemoveField(
            model_name='linkedproject',
            name='company_name',
        ),
        migrations.RemoveField(
            model_name='linkedproject',
            name='credit_code',
        ),
        migrations.RemoveField(
            model_name='linkedproject',
            name='name_en',
        ),
        migrations.RemoveField(
            model_name='linkedproject',
            name='name_zh',
        ),
        migrations.RemoveField(
            model_name='linkedproject',
            name='year',
        ),
        migrations.RemoveField(
            model_name='linkedproject',
            name='zone',
        ),
    ]
