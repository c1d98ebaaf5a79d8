from django.db import migrations


def sync(apps, schema_editor):
    from base.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0003_reference_data"),
        ("volunteers", "0002_qualifications"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("axes", "0009_add_session_hash"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
