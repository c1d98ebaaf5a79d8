"""Reference data every fresh database needs: Jeonbuk's 14 cities and counties, the service
types and the programs of the 2023 goals (4-1, 4-2). Editable in admin afterwards; this
migration only adds rows that are missing, so a re-run never overwrites an edit."""

from django.db import migrations

REGIONS = [
    ("jeonju", "전주시", "Jeonju-si"),
    ("gunsan", "군산시", "Gunsan-si"),
    ("iksan", "익산시", "Iksan-si"),
    ("jeongeup", "정읍시", "Jeongeup-si"),
    ("namwon", "남원시", "Namwon-si"),
    ("gimje", "김제시", "Gimje-si"),
    ("wanju", "완주군", "Wanju-gun"),
    ("jinan", "진안군", "Jinan-gun"),
    ("muju", "무주군", "Muju-gun"),
    ("jangsu", "장수군", "Jangsu-gun"),
    ("imsil", "임실군", "Imsil-gun"),
    ("sunchang", "순창군", "Sunchang-gun"),
    ("gochang", "고창군", "Gochang-gun"),
    ("buan", "부안군", "Buan-gun"),
]

SERVICE_TYPES = [
    ("housework", "가사지원", "Housework"),
    ("daily_living", "일상생활지원", "Daily living support"),
    ("mobility", "이동지원", "Mobility and escort"),
    ("safety_check", "안부확인", "Safety check"),
    ("meal", "식사지원", "Meal support"),
    ("personal_care", "신체지원", "Personal care"),
    ("home_improvement", "주거환경개선", "Home improvement"),
    ("other", "기타", "Other"),
]

PROGRAMS = [
    ("emergency_care", "긴급돌봄", "Emergency care", "4-1"),
    ("rural_gap_care", "농촌지역 돌봄사각지대(틈새돌봄)", "Rural blind-spot care", "4-1"),
    ("home_environment", "가정내 돌봄주거환경개선", "Home care environment improvement", "4-1"),
    ("outreach_counseling", "사회서비스연계 찾아가는 상담", "Outreach linkage counseling", "4-1"),
    ("care_info_counseling", "돌봄종합정보상담", "Care information counseling", "4-2"),
]


def load(apps, schema_editor):
    Region = apps.get_model("care", "Region")
    ServiceType = apps.get_model("care", "ServiceType")
    Program = apps.get_model("care", "Program")
    for order, (code, name, name_en) in enumerate(REGIONS, start=1):
        Region.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for order, (code, name, name_en) in enumerate(SERVICE_TYPES, start=1):
        ServiceType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for order, (code, name, name_en, indicator) in enumerate(PROGRAMS, start=1):
        Program.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "indicator_code": indicator, "sort_order": order
            },
        )


class Migration(migrations.Migration):
    dependencies = [("care", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
