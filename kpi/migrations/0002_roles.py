from django.db import migrations


def sync(apps, schema_editor):
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0001_initial"),
        ("consultations", "0003_roles"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
