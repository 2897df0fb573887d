"""A project of delegation's key-project list names its row on the key-project register
(`projects.KeyProject`); filled by projects.0002, used by 0004 to re-point the agency records."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('delegation', '0002_remove_proxyfiling_idempotency_key'),
        ('projects', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='keyproject',
            name='project',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='projects.keyproject', verbose_name='key project'),
        ),
    ]
