"""Every assignment and every visit belongs to an episode, now that 0014 gave each one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0014_episodes_from_history"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assignment",
            name="episode",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assignments",
                to="care.episode",
                verbose_name="돌봄 회차",
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="episode",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="care.episode",
                verbose_name="돌봄 회차",
            ),
        ),
    ]
