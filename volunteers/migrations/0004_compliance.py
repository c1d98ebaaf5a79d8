"""Corps compliance (단원 관리): requirements, records and overrides; the requirements seeded.

Every requirement seeded here is required: from this migration on, a corps member without a
valid record of one cannot be given new work (an assignment, a care-plan entry, a substitute
visit) unless a coordinator records an override reason. Administrators edit the list in admin.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ALL = []
# 성범죄·아동학대·노인학대 범죄경력 조회: the checks the law asks before work with older people
# (노인복지법 제39조의17), children (아동·청소년의 성보호에 관한 법률 제56조, 아동복지법 제29조의3)
# and disabled people (장애인복지법 제59조의3).
VULNERABLE = ["elderly", "child", "disabled"]
REQUIREMENTS = [
    # code, name, kind, validity in months (None: once), applies to, basis
    ("criminal_record", "성범죄·아동학대 범죄경력 조회", "criminal_record", 12, VULNERABLE,
     "노인복지법 제39조의17, 아동·청소년의 성보호에 관한 법률 제56조, 아동복지법 제29조의3, "
     "장애인복지법 제59조의3"),
    ("mandatory_reporter", "신고의무자 교육", "training", 12, ALL,
     "노인복지법 제39조의6, 아동학대범죄의 처벌 등에 관한 특례법 제10조"),
    ("elder_abuse_prevention", "노인학대 예방 교육", "training", 12, ["elderly"], "노인복지법"),
    ("privacy", "개인정보보호 교육", "training", 12, ALL, "개인정보 보호법 제28조"),
    ("health_check", "건강검진", "health_check", 12, ALL, ""),
    ("insurance", "상해·배상책임보험", "insurance", 12, ALL, ""),
]


def load(apps, schema_editor):
    Requirement = apps.get_model("volunteers", "ComplianceRequirement")
    for order, (code, name, kind, months, applies_to, basis) in enumerate(REQUIREMENTS, 1):
        Requirement.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "required": True,
                "validity_months": months,
                "applies_to": applies_to,
                "basis": basis,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):

    dependencies = [
        ('volunteers', '0003_reference_data_in_base'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplianceRequirement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='코드')),
                ('name', models.CharField(max_length=100, verbose_name='이름')),
                ('kind', models.CharField(choices=[('training', '교육'), ('criminal_record', '범죄경력 조회'), ('health_check', '건강검진'), ('insurance', '보험')], max_length=20, verbose_name='종류')),
                ('required', models.BooleanField(default=True, help_text='필수 요건이 만료되었거나 없는 단원에게는 새 배정·일정을 줄 수 없습니다.', verbose_name='필수')),
                ('validity_months', models.PositiveSmallIntegerField(blank=True, help_text='비워 두면 한 번 이수로 계속 유효합니다.', null=True, verbose_name='유효기간(개월)')),
                ('applies_to', models.JSONField(blank=True, default=list, help_text='이 유형의 대상자를 돌볼 때 필요합니다. 비워 두면 모든 대상자에 적용됩니다.', verbose_name='적용 대상자 유형')),
                ('basis', models.CharField(blank=True, max_length=300, verbose_name='근거')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='순서')),
                ('is_active', models.BooleanField(default=True, verbose_name='사용')),
            ],
            options={
                'verbose_name': '단원 필수 요건',
                'verbose_name_plural': '단원 필수 요건',
                'ordering': ['sort_order', 'code'],
                'constraints': [models.CheckConstraint(condition=models.Q(('validity_months__isnull', True), ('validity_months__gte', 1), _connector='OR'), name='compliance_requirement_validity_positive')],
            },
        ),
        migrations.CreateModel(
            name='ComplianceOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('assignment', '배정'), ('care_plan', '서비스 계획'), ('substitution', '대체 방문')], max_length=20, verbose_name='작업')),
                ('reason', models.CharField(max_length=300, verbose_name='예외 사유')),
                ('items', models.CharField(max_length=500, verbose_name='미충족 요건')),
                ('granted_at', models.DateTimeField(auto_now_add=True, verbose_name='승인일시')),
                ('corps_member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='compliance_overrides', to='volunteers.corpsmember', verbose_name='긴급돌봄지원단원')),
                ('granted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='승인한 계정')),
            ],
            options={
                'verbose_name': '단원 요건 예외 승인',
                'verbose_name_plural': '단원 요건 예외 승인',
                'ordering': ['-granted_at', '-id'],
                'indexes': [models.Index(fields=['corps_member', '-granted_at'], name='compliance_override_member')],
                'constraints': [models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='compliance_override_has_reason')],
            },
        ),
        migrations.CreateModel(
            name='ComplianceRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('done_on', models.DateField(verbose_name='이수·확인일')),
                ('expires_on', models.DateField(blank=True, help_text='비워 두면 요건의 유효기간으로 계산합니다. 이날까지 유효합니다.', null=True, verbose_name='만료일')),
                ('result', models.CharField(blank=True, choices=[('pass', '적합'), ('fail', '부적합')], max_length=4, verbose_name='결과')),
                ('evidence_note', models.CharField(blank=True, help_text='이수증 번호, 보험 증권 번호 등. 범죄경력 조회에는 적지 않습니다.', max_length=200, verbose_name='증빙 메모')),
                ('recorded_at', models.DateTimeField(auto_now_add=True, verbose_name='기록일시')),
                ('corps_member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='compliance_records', to='volunteers.corpsmember', verbose_name='긴급돌봄지원단원')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='기록한 계정')),
                ('requirement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='volunteers.compliancerequirement', verbose_name='요건')),
            ],
            options={
                'verbose_name': '단원 요건 이수 기록',
                'verbose_name_plural': '단원 요건 이수 기록',
                'ordering': ['corps_member', 'requirement', '-done_on', '-id'],
                'indexes': [models.Index(fields=['corps_member', 'requirement', '-done_on'], name='compliance_latest'), models.Index(fields=['expires_on'], name='compliance_expires')],
                'constraints': [models.UniqueConstraint(fields=('corps_member', 'requirement', 'done_on'), name='compliance_record_once_a_day', violation_error_message='같은 날 같은 요건의 기록이 이미 있습니다.'), models.CheckConstraint(condition=models.Q(('expires_on__isnull', True), ('expires_on__gte', models.F('done_on')), _connector='OR'), name='compliance_record_expires_after_done', violation_error_message='만료일은 이수·확인일보다 빠를 수 없습니다.'), models.CheckConstraint(condition=models.Q(('result__in', ['', 'pass', 'fail'])), name='compliance_record_result'), models.CheckConstraint(condition=models.Q(('result', ''), ('evidence_note', ''), _connector='OR'), name='compliance_record_result_without_note')],
            },
        ),
        # Backwards, the table goes with its rows: deleting them first, in the same transaction,
        # would leave PostgreSQL with pending trigger events on the DROP.
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
