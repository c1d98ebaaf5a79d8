"""The directory's taxonomy and target groups, loaded on every fresh database; editable in
admin afterwards (this migration only adds missing rows)."""

from django.db import migrations

CATEGORIES = [
    # (code, name, name_en, parent code)
    ("care", "돌봄", "Care", None),
    ("care_emergency", "긴급돌봄", "Emergency care", "care"),
    ("care_home", "재가돌봄", "Home care", "care"),
    ("care_child", "아동돌봄", "Childcare", "care"),
    ("health", "보건·의료", "Health and medical", None),
    ("health_medical", "의료비 지원", "Medical costs", "health"),
    ("health_mental", "정신건강", "Mental health", "health"),
    ("living", "생활지원", "Living support", None),
    ("living_meal", "식사·도시락", "Meals", "living"),
    ("living_income", "생계·긴급지원", "Income and emergency aid", "living"),
    ("housing", "주거", "Housing", None),
    ("housing_repair", "주거환경개선", "Home repair", "housing"),
    ("housing_rent", "주거급여·임대", "Housing benefit and rental", "housing"),
    ("mobility", "이동지원", "Mobility", None),
    ("employment", "일자리", "Employment", None),
    ("education", "교육·문화", "Education and culture", None),
    ("counseling", "상담", "Counseling", None),
    ("legal", "법률·권익", "Legal and rights", None),
]

TARGET_GROUPS = [
    ("elderly", "노인", "Older people"),
    ("disabled", "장애인", "People with disabilities"),
    ("child", "아동", "Children"),
    ("youth", "청소년", "Youth"),
    ("family", "가족", "Families"),
    ("low_income", "저소득층", "Low-income households"),
    ("everyone", "전체", "Everyone"),
]


def load(apps, schema_editor):
    ResourceCategory = apps.get_model("consultations", "ResourceCategory")
    TargetGroup = apps.get_model("consultations", "TargetGroup")
    for order, (code, name, name_en, parent) in enumerate(CATEGORIES, start=1):
        ResourceCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "sort_order": order,
                "parent": ResourceCategory.objects.filter(code=parent).first() if parent else None,
            },
        )
    for order, (code, name, name_en) in enumerate(TARGET_GROUPS, start=1):
        TargetGroup.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
