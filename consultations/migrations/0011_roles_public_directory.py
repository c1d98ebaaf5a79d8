from django.db import migrations


def sync(apps, schema_editor):
    # Everyone who reads the directory reads the eligibility tags; managers and
    # administrators read the finder's usage counters; administrators read the access log's
    # chain checks and monthly reviews, and may revoke API tokens. Kept apart from 0010 so
    # that rolling another app back (kpi, care) never takes the directory's columns with it.
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0010_public_directory"),
        ("base", "0002_access_log_chain"),
        ("care", "0025_access_review"),
        # The last migrations whose permissions the roles name, so that the sync sees them all.
        ("kpi", "0008_final_metric_choices"),
        ("notifications", "0001_initial"),
        ("volunteers", "0004_compliance"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
