from django.db import migrations

QUALIFICATIONS = [
    ("care_worker", "요양보호사", "Certified care worker"),
    ("social_worker", "사회복지사", "Social worker"),
    ("nurse_aide", "간호조무사", "Nurse aide"),
    ("nurse", "간호사", "Nurse"),
    ("disability_support", "장애인활동지원사", "Disability support worker"),
    ("childcare", "아이돌보미", "Childcare worker"),
    ("other", "기타", "Other"),
]


def load(apps, schema_editor):
    Qualification = apps.get_model("volunteers", "Qualification")
    for order, (code, name, name_en) in enumerate(QUALIFICATIONS, start=1):
        Qualification.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
