from django.db import migrations


def sync(apps, schema_editor):
    # Counselors may now register a person as a referred recipient (hand-over to intake).
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("care", "0010_roles_directory_readers")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
