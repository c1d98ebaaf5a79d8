"""The (program, held_at) index covers the 시·군 too, so that the monthly rollup's count of a
program's consultations per 시·군 is an index-only scan (issue 11, item 14)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("base", "0005_access_log_export_purpose"),
        ("care", "0028_period_ends_and_names"),
        ("consultations", "0019_callback_retention"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="consultation",
            name="consultation_program_held",
        ),
        migrations.AddIndex(
            model_name="consultation",
            index=models.Index(
                fields=["program", "held_at", "region"], name="consultation_program_held"
            ),
        ),
    ]
