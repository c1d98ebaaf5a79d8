from django.db import migrations


def sync(apps, schema_editor):
    # After every model of issue 12 exists (incidents, repairs, conferences, satisfaction,
    # compliance, outreach, agreements): each group gets exactly the permissions base/roles.py
    # names, whichever order the apps' own migrations ran in.
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0023_compliance_overrides"),
        ("consultations", "0009_outreach_sessions"),
        ("kpi", "0008_final_metric_choices"),
        ("notifications", "0001_initial"),
        ("volunteers", "0004_compliance"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
