"""The reference data, the access log and the role-change log, moved here from ``care``.

Nothing changes in the database: the tables keep their names (``care_region`` and so on, set
by ``Meta.db_table``) and this migration only tells Django's state that the models now belong
to ``base``. The one write is to ``django_content_type``: the rows of the moved models change
their app label from ``care`` to ``base``, so that their permissions keep their ids, and with
them every group's and user's assignments and the admin's history.

care/migrations/0012_move_to_base removes the models from care's state once the other apps
point at base (volunteers 0003, consultations 0005). The append-only trigger of
care/migrations/0005 stays on care_accesslog, which is still the access log's table.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ["region", "servicetype", "program", "accesslog", "rolechangelog"]


def _relabel(apps, old, new):
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=old, model=model).exists():
            continue  # a fresh database where nothing created it yet; post_migrate will
        # A row under the new label can only have been made by post_migrate on a database
        # that ran the new code before this migration; the old row holds the permissions that
        # groups were given, so it wins.
        ContentType.objects.filter(app_label=new, model=model).delete()
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()
    CurrentContentType.objects.clear_cache()


def content_types_to_base(apps, schema_editor):
    _relabel(apps, "care", "base")


def content_types_to_care(apps, schema_editor):
    _relabel(apps, "base", "care")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("care", "0011_roles_counselor_intake"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Program',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='코드')),
                        ('name', models.CharField(max_length=100, verbose_name='이름')),
                        ('name_en', models.CharField(blank=True, max_length=100, verbose_name='영문 이름')),
                        ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='순서')),
                        ('is_active', models.BooleanField(default=True, verbose_name='사용')),
                        ('indicator_code', models.CharField(blank=True, help_text='예: 4-1, 4-2', max_length=10, verbose_name='성과지표')),
                    ],
                    options={
                        'verbose_name': '사업',
                        'verbose_name_plural': '사업',
                        'db_table': 'care_program',
                        'ordering': ['sort_order', 'code'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='Region',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='코드')),
                        ('name', models.CharField(max_length=100, verbose_name='이름')),
                        ('name_en', models.CharField(blank=True, max_length=100, verbose_name='영문 이름')),
                        ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='순서')),
                        ('is_active', models.BooleanField(default=True, verbose_name='사용')),
                    ],
                    options={
                        'verbose_name': '시·군',
                        'verbose_name_plural': '시·군',
                        'db_table': 'care_region',
                        'ordering': ['sort_order', 'code'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='ServiceType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='코드')),
                        ('name', models.CharField(max_length=100, verbose_name='이름')),
                        ('name_en', models.CharField(blank=True, max_length=100, verbose_name='영문 이름')),
                        ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='순서')),
                        ('is_active', models.BooleanField(default=True, verbose_name='사용')),
                    ],
                    options={
                        'verbose_name': '돌봄서비스 유형',
                        'verbose_name_plural': '돌봄서비스 유형',
                        'db_table': 'care_servicetype',
                        'ordering': ['sort_order', 'code'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='RoleChangeLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='일시')),
                        ('role', models.CharField(max_length=150, verbose_name='역할')),
                        ('change', models.CharField(choices=[('added', '부여'), ('removed', '회수')], max_length=10, verbose_name='변경')),
                        ('changed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='변경한 계정')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='대상 계정')),
                    ],
                    options={
                        'verbose_name': '권한 변경기록',
                        'verbose_name_plural': '권한 변경기록',
                        'db_table': 'care_rolechangelog',
                        'ordering': ['-at', '-id'],
                        'default_permissions': ('view',),
                    },
                ),
                migrations.CreateModel(
                    name='AccessLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='일시')),
                        ('username', models.CharField(max_length=150, verbose_name='계정명')),
                        ('source_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='접속지 주소')),
                        ('action', models.CharField(choices=[('view', '조회'), ('create', '입력'), ('change', '변경'), ('delete', '삭제'), ('export', '출력')], max_length=10, verbose_name='수행업무')),
                        ('subject_type', models.CharField(default='recipient', max_length=40, verbose_name='정보주체 구분')),
                        ('subject_id', models.BigIntegerField(verbose_name='정보주체 번호')),
                        ('subject_label', models.CharField(blank=True, max_length=100, verbose_name='정보주체')),
                        ('path', models.CharField(blank=True, max_length=200, verbose_name='경로')),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='계정')),
                    ],
                    options={
                        'verbose_name': '개인정보 접속기록',
                        'verbose_name_plural': '개인정보 접속기록',
                        'db_table': 'care_accesslog',
                        'ordering': ['-at', '-id'],
                        'default_permissions': ('view',),
                        'indexes': [models.Index(fields=['subject_type', 'subject_id', 'at'], name='accesslog_subject'), models.Index(fields=['user', 'at'], name='accesslog_user')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_base, content_types_to_care),
    ]
