"""Regions and programs are base's models now: state only, the columns and the many-to-many
table stay as they are (see base/migrations/0001_initial)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('base', '0001_initial'),
        ('consultations', '0004_resource_search_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='consultation',
                    name='program',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='consultations', to='base.program', verbose_name='사업'),
                ),
                migrations.AlterField(
                    model_name='consultation',
                    name='region',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='consultations', to='base.region', verbose_name='시·군'),
                ),
                migrations.AlterField(
                    model_name='organization',
                    name='region',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='organizations', to='base.region', verbose_name='시·군'),
                ),
                migrations.AlterField(
                    model_name='welfareresource',
                    name='regions',
                    field=models.ManyToManyField(blank=True, related_name='resources', to='base.region', verbose_name='제공 시·군'),
                ),
            ],
        ),
    ]
