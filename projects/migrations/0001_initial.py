"""Key projects: the register of the city's key construction projects (重点建设项目)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tenants', '0006_user_mobile'),
    ]

    operations = [
        migrations.CreateModel(
            name='KeyProject',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('name_zh', models.CharField(max_length=200, verbose_name='name (Chinese)')),
                ('name_en', models.CharField(blank=True, max_length=300, verbose_name='name (English)')),
                ('company_name', models.CharField(max_length=200, verbose_name='company')),
                ('credit_code', models.CharField(max_length=18, verbose_name='unified social credit code')),
                ('centre', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='key_projects', to='tenants.centre', verbose_name='district or development zone')),
            ],
            options={
                'verbose_name': 'key project',
                'verbose_name_plural': 'key projects',
                'ordering': ['-year', 'name_zh'],
                'indexes': [models.Index(fields=['centre', 'year'], name='projects_keyproject_centre')],
                'constraints': [models.UniqueConstraint(fields=('year', 'name_zh'), name='projects_keyproject_once', violation_error_message="The project is already on this year's list."), models.CheckConstraint(condition=models.Q(('credit_code__regex', '^[0-9A-HJ-NPQRTUWXY]{18}$')), name='projects_keyproject_credit_code_format', violation_error_message='A unified social credit code has 18 characters.')],
            },
        ),
    ]
