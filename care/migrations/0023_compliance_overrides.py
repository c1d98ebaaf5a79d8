"""The override a coordinator gives for a corps member whose required compliance item lapsed,
on the record it allowed (assignment, care-plan entry, scheduled visit); and the roles'
compliance permissions (base/roles.py), synced here because this migration comes after every
app whose permissions the roles name."""

import django.db.models.deletion
from django.db import migrations, models


def sync(apps, schema_editor):
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0022_incidents'),
        ('volunteers', '0004_compliance'),
    ]

    operations = [
        migrations.AddField(
            model_name='assignment',
            name='compliance_override',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='volunteers.complianceoverride', verbose_name='단원 요건 예외 승인'),
        ),
        migrations.AddField(
            model_name='careplanentry',
            name='compliance_override',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='volunteers.complianceoverride', verbose_name='단원 요건 예외 승인'),
        ),
        migrations.AddField(
            model_name='scheduledvisit',
            name='compliance_override',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='volunteers.complianceoverride', verbose_name='단원 요건 예외 승인'),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
