from django.db import migrations


def sync(apps, schema_editor):
    # care.roles gives coordinators read access to the welfare resource directory and
    # administrators all of it.
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0009_alert_ordering"),
        ("consultations", "0004_resource_search_indexes"),
        ("kpi", "0003_rollups"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
