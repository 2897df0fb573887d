"""A linked project names its key project on the register (`projects.KeyProject`); filled by
projects.0002, which puts every linked project on the register, then required (0005)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('joint_approval', '0003_remove_jointcase_idempotency_key_and_more'),
        ('projects', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='linkedproject',
            name='project',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='linked', to='projects.keyproject', verbose_name='key project'),
        ),
    ]
