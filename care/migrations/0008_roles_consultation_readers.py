from django.db import migrations


def sync(apps, schema_editor):
    # care.roles now gives coordinators read access to consultations, referrals and follow-up
    # alerts, and administrators all of them (issue 4). It lives here, not in consultations,
    # so that it never forks that app's migration history.
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0007_roles_visits"),
        ("consultations", "0003_roles"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
