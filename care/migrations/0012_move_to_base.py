"""The reference data, the access log and the role-change log left care for base.

State only: care's foreign keys now point at base's models (same tables, same columns), and
the models leave care's state, after volunteers and consultations have pointed theirs at base
too. Then the roles are synced again: on a fresh database the earlier syncs could not find
``base.*`` permissions yet; on a migrated one the groups already hold them (the renamed content
types of base/migrations/0001_initial keep the permission ids) and nothing changes.
"""

import django.db.models.deletion
from django.db import migrations, models


def sync(apps, schema_editor):
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("care", "0011_roles_counselor_intake"),
        ("base", "0001_initial"),
        ("volunteers", "0003_reference_data_in_base"),
        ("consultations", "0005_reference_data_in_base"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='recipient',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='recipients', to='base.region', verbose_name='시·군'),
                ),
                migrations.AlterField(
                    model_name='recipient',
                    name='needs',
                    field=models.ManyToManyField(blank=True, related_name='recipients', to='base.servicetype', verbose_name='필요 서비스'),
                ),
                migrations.AlterField(
                    model_name='assignment',
                    name='program',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='base.program', verbose_name='사업'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='program',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='base.program', verbose_name='사업'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='service_types',
                    field=models.ManyToManyField(related_name='visits', to='base.servicetype', verbose_name='제공 서비스'),
                ),
                migrations.DeleteModel(name='AccessLog'),
                migrations.DeleteModel(name='RoleChangeLog'),
                migrations.DeleteModel(name='Program'),
                migrations.DeleteModel(name='Region'),
                migrations.DeleteModel(name='ServiceType'),
            ],
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
