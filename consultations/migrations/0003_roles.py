from django.db import migrations


def sync(apps, schema_editor):
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0002_reference_data"),
        ("care", "0007_roles_visits"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
