"""Corps members' regions and service types are base's models now: state only, the columns
and the many-to-many table stay as they are (see base/migrations/0001_initial)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('base', '0001_initial'),
        ('volunteers', '0002_qualifications'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='corpsmember',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='corps_members', to='base.region', verbose_name='활동 시·군'),
                ),
                migrations.AlterField(
                    model_name='corpsmember',
                    name='service_types',
                    field=models.ManyToManyField(blank=True, related_name='corps_members', to='base.servicetype', verbose_name='제공 가능 서비스'),
                ),
            ],
        ),
    ]
