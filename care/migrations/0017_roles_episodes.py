from django.db import migrations


def sync(apps, schema_editor):
    # Episode records and rules in the admin for coordinators (read) and administrators
    # (rules edited), the notification outbox and the 운영 groups for administrators.
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0016_visit_autovacuum"),
        ("kpi", "0004_operational_measures_and_operating_groups"),
        ("notifications", "0001_initial"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
