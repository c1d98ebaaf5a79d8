from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from consultations.importing import ImportReport, resources_import
from consultations.models import Organization, WelfareResource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
GOOD = DATA / "resources_good.csv"
BAD = DATA / "resources_bad.csv"
HEADER = ["외부ID", "자원명", "제공기관", "분류", "지원대상", "제공지역", "문의전화", "상태",
          "최종확인일"]  # fmt: skip
ROW = ["JB-1", "노인맞춤돌봄서비스", "완주군노인복지관", "재가돌봄", "노인", "완주군",
       "063-261-1234", "운영", "2023-03-15"]  # fmt: skip
IMPORT_URL = "admin:consultations_welfareresource_import"


def csv_file(
    tmp_path: Path,
    rows: list[list[str]],
    *,
    header: list[str] = HEADER,
    encoding: str = "utf-8-sig",
    name: str = "resources.csv",
) -> Path:
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows([header, *rows])
    return path


def imported(path: Path, *, dry_run: bool = False) -> ImportReport:
    return resources_import(file=path, filename=path.name, dry_run=dry_run)


def errors_of(report: ImportReport) -> set[tuple[int | None, str]]:
    return {(error.row_number, error.column) for error in report.errors}


def row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, ROW, strict=True)) | changes
    return [values[column] for column in HEADER]


@pytest.fixture
def admin_client(db) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


# --- importing -----------------------------------------------------------------------------


def test_a_good_csv_imports_every_row_with_its_organization_categories_and_regions() -> None:
    report = imported(GOOD)

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (5, 5, 0, 0)
    assert report.organizations_created == 4
    assert WelfareResource.objects.count() == 5
    care = WelfareResource.objects.get(external_id="JB-0001")
    assert care.organization.name == "완주군노인복지관"
    assert care.organization.kind == Organization.Kind.WELFARE_CENTER
    assert care.organization.phone == "063-261-1234"
    assert care.category.code == "care_home"
    assert [group.code for group in care.target_groups.all()] == ["elderly"]
    assert [region.code for region in care.regions.all()] == ["wanju"]
    assert care.assured_date == date(2023, 3, 15)
    assert care.status == WelfareResource.Status.ACTIVE
    meals = WelfareResource.objects.get(external_id="JB-0002")
    assert meals.description == "평일 점심 제공\n(공휴일 제외)"
    assert {g.code for g in meals.target_groups.all()} == {"elderly", "low_income"}


def test_province_wide_codes_short_names_and_dotted_dates_are_understood() -> None:
    imported(GOOD)

    emergency = WelfareResource.objects.get(external_id="JB-0003")
    assert emergency.province_wide and not emergency.regions.exists()
    assert emergency.assured_date == date(2023, 1, 2)
    assert {g.code for g in emergency.target_groups.all()} == {"elderly", "disabled", "child"}
    repair = WelfareResource.objects.get(name="사랑의 집수리")
    assert repair.category.code == "housing_repair"
    assert {r.code for r in repair.regions.all()} == {"gunsan", "iksan"}
    assert repair.status == WelfareResource.Status.TEMPORARILY_CLOSED
    assert repair.assured_date is None


def test_imported_resources_carry_their_search_text() -> None:
    imported(GOOD)

    resource = WelfareResource.objects.get(external_id="JB-0001")
    assert "완주군" in resource.search_text
    assert "완주군노인복지관" in resource.search_text
    assert "전북 도 전역" in WelfareResource.objects.get(external_id="JB-0003").search_text


def test_reimporting_the_same_file_changes_nothing_and_duplicates_nothing() -> None:
    imported(GOOD)
    before = list(WelfareResource.objects.values_list("pk", "updated_at").order_by("pk"))

    report = imported(GOOD)

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert report.organizations_created == 0
    assert WelfareResource.objects.count() == 5
    assert Organization.objects.count() == 4
    assert list(WelfareResource.objects.values_list("pk", "updated_at").order_by("pk")) == before


def test_reimporting_an_edited_file_updates_the_rows_that_changed(tmp_path: Path) -> None:
    imported(csv_file(tmp_path, [row(), row(**{"외부ID": "JB-2", "자원명": "경로식당"})]))

    report = imported(
        csv_file(
            tmp_path,
            [row(**{"문의전화": "063-261-9999"}), row(**{"외부ID": "JB-2", "자원명": "경로식당"})],
        )
    )

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert WelfareResource.objects.get(external_id="JB-1").phone == "063-261-9999"


def test_a_file_with_bad_rows_imports_nothing_and_reports_each_row_and_column() -> None:
    report = imported(BAD)

    assert not report.ok
    assert errors_of(report) == {(3, "제공지역"), (4, "최종확인일"), (6, "자원명")}
    assert (report.created, report.updated, report.organizations_created) == (0, 0, 0)
    assert not WelfareResource.objects.exists()
    assert not Organization.objects.exists()
    messages = {error.row_number: error.message for error in report.errors}
    assert "서울시" in messages[3]
    assert "2023-13-45" in messages[4]
    assert "자원명" in messages[6]


def test_a_bad_row_leaves_existing_resources_exactly_as_they_were(tmp_path: Path) -> None:
    imported(csv_file(tmp_path, [row()]))

    report = imported(
        csv_file(
            tmp_path,
            [
                row(**{"문의전화": "063-000-0000"}),
                row(**{"외부ID": "JB-2", "자원명": "둘", "분류": "없는분류"}),
            ],
        )
    )

    assert errors_of(report) == {(3, "분류")}
    assert WelfareResource.objects.get().phone == "063-261-1234"


def test_a_missing_required_column_is_a_file_level_error(tmp_path: Path) -> None:
    header = [column for column in HEADER if column != "제공기관"]
    path = csv_file(tmp_path, [ROW[:2] + ROW[3:]], header=header)

    report = imported(path)

    assert [(e.row_number, e.column) for e in report.errors] == [(None, "제공기관")]
    assert "필수 열" in report.errors[0].message
    assert not WelfareResource.objects.exists()


def test_unknown_categories_target_groups_statuses_and_organization_kinds_are_reported(
    tmp_path: Path,
) -> None:
    path = csv_file(
        tmp_path,
        [
            row(**{"분류": "우주여행"}),
            row(**{"외부ID": "JB-2", "자원명": "둘", "지원대상": "노인, 외계인"}),
            row(**{"외부ID": "JB-3", "자원명": "셋", "상태": "영업중"}),
            row(**{"외부ID": "JB-4", "자원명": "넷", "제공지역": "전주시, 도 전역"}),
            row(**{"외부ID": "JB-5", "자원명": "다섯", "최종확인일": "2999-01-01"}),
        ],
    )

    report = imported(path)

    assert errors_of(report) == {(2, "분류"), (3, "지원대상"), (4, "상태"), (5, "제공지역"),
                                 (6, "최종확인일")}  # fmt: skip
    assert not WelfareResource.objects.exists()


def test_the_same_key_twice_in_one_file_is_reported(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        [row(), row(**{"자원명": "다른 이름"}), row(**{"외부ID": ""}), row(**{"외부ID": ""})],
    )

    report = imported(path)

    assert (3, "외부ID") in errors_of(report)
    assert (4, "자원명") in errors_of(report)  # same organization and name as row 2
    assert not WelfareResource.objects.exists()


def test_a_value_shaped_like_a_resident_registration_number_is_refused(tmp_path: Path) -> None:
    header = [*HEADER, "지원자격"]
    path = csv_file(tmp_path, [[*ROW, "대상자 800101-1234567 확인"]], header=header)

    report = imported(path)

    assert errors_of(report) == {(2, "지원자격")}
    assert "주민등록번호" in report.errors[0].message
    assert "800101" not in report.errors[0].message
    assert not WelfareResource.objects.exists()


def test_contradicting_organization_details_in_two_rows_are_reported(tmp_path: Path) -> None:
    header = [*HEADER, "기관전화"]
    path = csv_file(
        tmp_path,
        [[*ROW, "063-111-1111"], [*row(**{"외부ID": "JB-2", "자원명": "둘"}), "063-222-2222"]],
        header=header,
    )

    report = imported(path)

    assert errors_of(report) == {(3, "기관전화")}
    assert "2행" in report.errors[0].message


def test_a_dry_run_reports_what_would_happen_and_writes_nothing() -> None:
    report = imported(GOOD, dry_run=True)

    assert report.ok and report.dry_run
    assert (report.created, report.organizations_created) == (5, 4)
    assert not WelfareResource.objects.exists()
    assert not Organization.objects.exists()


def test_an_xlsx_file_imports_with_excel_dates_and_numbers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([*ROW[:-1], datetime(2023, 3, 15)])
    sheet.append([1002, "경로식당", "완주군노인복지관", "식사·도시락", "노인", "완주",
                  "063-261-1235", None, date(2023, 4, 1)])  # fmt: skip
    sheet.append([None] * len(HEADER))  # an empty row at the end is no row
    path = tmp_path / "resources.xlsx"
    workbook.save(path)

    report = imported(path)

    assert report.ok, report.errors
    assert (report.file_format, report.created) == ("XLSX", 2)
    meals = WelfareResource.objects.get(external_id="1002")
    assert meals.assured_date == date(2023, 4, 1)
    assert meals.status == WelfareResource.Status.ACTIVE
    assert WelfareResource.objects.get(external_id="JB-1").assured_date == date(2023, 3, 15)


def test_an_xlsx_file_reports_bad_rows_by_their_spreadsheet_row(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    workbook.active.append(row(**{"외부ID": "JB-2", "자원명": "둘", "제공지역": "평양시"}))
    path = tmp_path / "resources.xlsx"
    workbook.save(path)

    report = imported(path)

    assert errors_of(report) == {(3, "제공지역")}
    assert not WelfareResource.objects.exists()


def test_a_cp949_csv_from_korean_excel_imports(tmp_path: Path) -> None:
    text = GOOD.read_text(encoding="utf-8-sig")
    path = tmp_path / "resources_cp949.csv"
    path.write_bytes(text.encode("cp949"))

    report = imported(path)

    assert report.ok, report.errors
    assert report.created == 5
    assert WelfareResource.objects.filter(name="노인맞춤돌봄서비스").exists()


def test_a_file_object_without_a_bom_imports() -> None:
    data = GOOD.read_text(encoding="utf-8-sig").encode("utf-8")

    report = resources_import(file=io.BytesIO(data), filename="upload.csv")

    assert report.ok and report.created == 5


def test_an_external_id_identifies_the_resource_even_when_it_is_renamed(tmp_path: Path) -> None:
    imported(csv_file(tmp_path, [row()]))

    report = imported(csv_file(tmp_path, [row(**{"자원명": "노인맞춤돌봄 (2024년)"})]))

    assert (report.created, report.updated) == (0, 1)
    assert WelfareResource.objects.get().name == "노인맞춤돌봄 (2024년)"


def test_without_an_external_id_name_and_organization_identify_the_resource(
    tmp_path: Path,
) -> None:
    imported(csv_file(tmp_path, [row(**{"외부ID": ""})]))

    same = imported(csv_file(tmp_path, [row(**{"외부ID": "", "문의전화": "063-1"})]))
    other_org = imported(csv_file(tmp_path, [row(**{"외부ID": "", "제공기관": "진안군청"})]))

    assert (same.created, same.updated) == (0, 1)
    assert other_org.created == 1
    assert WelfareResource.objects.filter(name="노인맞춤돌봄서비스").count() == 2


def test_a_first_external_id_attaches_to_the_resource_found_by_name(tmp_path: Path) -> None:
    imported(csv_file(tmp_path, [row(**{"외부ID": ""})]))

    report = imported(csv_file(tmp_path, [row(**{"외부ID": "JB-77"})]))

    assert (report.created, report.updated) == (0, 1)
    assert WelfareResource.objects.get().external_id == "JB-77"


def test_a_name_registered_under_another_external_id_is_not_overwritten(tmp_path: Path) -> None:
    imported(csv_file(tmp_path, [row()]))

    report = imported(csv_file(tmp_path, [row(**{"외부ID": "JB-OTHER"})]))

    assert errors_of(report) == {(2, "외부ID")}
    assert WelfareResource.objects.get().external_id == "JB-1"


def test_absent_columns_leave_existing_fields_alone(tmp_path: Path) -> None:
    imported(GOOD)

    path = csv_file(
        tmp_path, [["JB-0001", "노인맞춤돌봄서비스", "완주군노인복지관", "2024-02-01"]],
        header=["외부ID", "자원명", "제공기관", "최종확인일"],
    )  # fmt: skip
    report = imported(path)

    assert report.updated == 1
    resource = WelfareResource.objects.get(external_id="JB-0001")
    assert resource.assured_date == date(2024, 2, 1)
    assert resource.category.code == "care_home"
    assert [region.code for region in resource.regions.all()] == ["wanju"]


def test_a_new_resource_needs_a_category_and_regions(tmp_path: Path) -> None:
    path = csv_file(tmp_path, [["새 자원", "어느 기관"]], header=["자원명", "제공기관"])

    report = imported(path)

    assert errors_of(report) == {(2, "분류"), (2, "제공지역")}


def test_english_headers_are_accepted(tmp_path: Path) -> None:
    header = ["external_id", "name", "organization", "category", "target_groups", "regions",
              "phone", "status", "assured_date"]  # fmt: skip

    report = imported(csv_file(tmp_path, [ROW], header=header))

    assert report.ok and report.created == 1


def test_an_old_binary_excel_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "resources.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)

    report = imported(path)

    assert report.errors[0].row_number is None
    assert ".xlsx" in report.errors[0].message


# --- the command ---------------------------------------------------------------------------


def test_the_command_prints_row_numbers_and_exits_non_zero_on_errors() -> None:
    out = io.StringIO()

    with pytest.raises(CommandError, match="오류 3건"):
        call_command("import_resources", str(BAD), stdout=out)

    printed = out.getvalue()
    assert "3행 [제공지역]" in printed
    assert "4행 [최종확인일]" in printed
    assert "6행 [자원명]" in printed
    assert "아무것도 가져오지 않았습니다" in printed
    assert not WelfareResource.objects.exists()


def test_the_command_imports_a_good_file_and_says_how_many() -> None:
    out = io.StringIO()

    call_command("import_resources", str(GOOD), stdout=out)

    assert "새 자원 5건" in out.getvalue()
    assert WelfareResource.objects.count() == 5


def test_the_command_dry_run_writes_nothing() -> None:
    out = io.StringIO()

    call_command("import_resources", str(GOOD), "--dry-run", stdout=out)

    assert "저장하지 않았습니다" in out.getvalue()
    assert not WelfareResource.objects.exists()


def test_the_command_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="파일이 없습니다"):
        call_command("import_resources", str(tmp_path / "nope.csv"))


# --- the admin -----------------------------------------------------------------------------


def upload(client: Client, path: Path, **extra: str) -> object:
    with path.open("rb") as handle:
        return client.post(reverse(IMPORT_URL), {"file": handle, **extra})


def test_the_resource_list_links_to_the_import_page(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:consultations_welfareresource_changelist"))

    assert response.status_code == 200
    assert reverse(IMPORT_URL) in response.content.decode()


def test_the_admin_import_page_shows_the_report_of_a_bad_file(admin_client: Client) -> None:
    response = upload(admin_client, BAD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "아무것도 가져오지 않았습니다" in page
    assert "<td>3</td><td>제공지역</td>" in page
    assert "<td>4</td><td>최종확인일</td>" in page
    assert "<td>6</td><td>자원명</td>" in page
    assert not WelfareResource.objects.exists()
    assert not Organization.objects.exists()


def test_the_admin_import_page_imports_a_good_file(admin_client: Client) -> None:
    response = upload(admin_client, GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consultations_welfareresource_changelist")
    assert WelfareResource.objects.count() == 5
    followed = admin_client.get(response["Location"])
    assert "새 자원 5건" in followed.content.decode()


def test_the_admin_import_page_can_check_without_saving(admin_client: Client) -> None:
    response = upload(admin_client, GOOD, dry_run="on")

    assert response.status_code == 200
    assert "저장하지 않았습니다" in response.content.decode()
    assert not WelfareResource.objects.exists()


def test_staff_without_resource_permissions_cannot_open_the_import_page() -> None:
    client = Client()
    client.force_login(UserFactory(username="staff-only", is_staff=True))

    assert client.get(reverse(IMPORT_URL)).status_code == 403


def test_saving_a_resource_in_admin_keeps_its_search_text(admin_client: Client) -> None:
    imported(GOOD)
    resource = WelfareResource.objects.get(external_id="JB-0001")
    url = reverse("admin:consultations_welfareresource_change", args=[resource.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("regions", "target_groups")
    }
    data |= {
        "name": "노인맞춤돌봄 통합서비스",
        "organization": resource.organization_id,
        "category": resource.category_id,
        "regions": [region.pk for region in resource.regions.all()] + [1],  # + 전주시
        "target_groups": [group.pk for group in resource.target_groups.all()],
        "assured_date": "2023-03-15",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    resource.refresh_from_db()
    assert "노인맞춤돌봄 통합서비스" in resource.search_text
    assert "전주시" in resource.search_text
