from django.db import migrations


def sync(apps, schema_editor):
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("care", "0006_visits")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
