"""Importing the welfare resource directory from a spreadsheet (CSV or XLSX).

All or nothing: every row is checked first, and one bad row means nothing is written, so an
administrator never has to work out which half of a file went in. A clean file is then written
in one transaction through the same services as every other write (``organization_save``,
``resource_save``), so the search text and the model checks (RRN refusal among them) hold.

Re-importing a file updates rather than duplicates: a row is the resource with its external
ID (외부ID) when it has one, otherwise the resource of that name at that organization.
The file format is described for administrators in ``docs/import-format.md``.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from base.models import Region
from consultations.models import Organization, ResourceCategory, TargetGroup, WelfareResource
from consultations.services import organization_save, resource_save

# One transaction holds the whole file, and the admin upload runs inside a web request:
# a directory of a province is a few thousand rows, so more than this is a mistake.
MAX_ROWS = 5000
# Past this many errors a file is the wrong file; listing more helps nobody.
MAX_ERRORS = 300
# Offending cell values are quoted back in messages, cut to this length.
QUOTE_LENGTH = 40


def _key(text: str) -> str:
    """How names are compared: no spaces, no '*' marks, no '_' or '-', lower case."""
    return re.sub(r"[\s*_\-]", "", text).lower()


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("external_id", "외부ID", ("외부아이디", "자원ID", "자원코드", "external_id", "id")),
    Column("name", "자원명", ("서비스명", "자원 이름", "name", "resource", "service"), True),
    Column("organization", "제공기관", ("기관명", "제공기관명", "organization", "provider"), True),
    Column("organization_kind", "기관유형", ("기관 종류", "organization_kind", "org_kind")),
    Column("organization_phone", "기관전화", ("기관전화번호", "organization_phone", "org_phone")),
    Column("organization_address", "기관주소", ("organization_address", "org_address")),
    Column("category", "분류", ("자원분류", "category")),
    Column("target_groups", "지원대상", ("대상", "target_groups", "targets")),
    Column("eligibility", "지원자격", ("자격", "이용자격", "eligibility")),
    Column("description", "내용", ("설명", "서비스내용", "description")),
    Column("regions", "제공지역", ("지역", "시군", "시·군", "regions", "region")),
    Column("phone", "문의전화", ("전화", "전화번호", "연락처", "phone")),
    Column("address", "주소", ("address",)),
    Column("how_to_apply", "신청방법", ("how_to_apply", "apply")),
    Column("fee", "이용료", ("비용", "fee")),
    Column("status", "상태", ("운영상태", "status")),
    Column("assured_date", "최종확인일", ("확인일", "assured_date", "assured", "verified_on")),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
# Organization fields → the columns that give them.
ORGANIZATION_COLUMNS = {
    "name": "organization",
    "kind": "organization_kind",
    "phone": "organization_phone",
    "address": "organization_address",
}
# Free-text columns copied to the resource as they are (empty cell = empty field).
TEXT_FIELDS = ("eligibility", "description", "phone", "address", "how_to_apply", "fee")

# What a 제공지역 cell says when a resource serves the whole province.
PROVINCE_WIDE_WORDS = {_key(word) for word in (
    "전역", "도전역", "도내전역", "전북전역", "전북도전역", "전라북도전역", "전북특별자치도전역",
    "도전체", "전북", "전라북도", "전북특별자치도", "province", "province_wide", "all",
)}  # fmt: skip
_STATUS = WelfareResource.Status
STATUS_WORDS: dict[str, str] = {
    _key(word): status
    for word, status in (
        ("운영", _STATUS.ACTIVE), ("운영중", _STATUS.ACTIVE),
        ("중단", _STATUS.INACTIVE), ("운영중단", _STATUS.INACTIVE),
        ("폐지", _STATUS.DEFUNCT),
        ("일시중단", _STATUS.TEMPORARILY_CLOSED), ("휴관", _STATUS.TEMPORARILY_CLOSED),
        *((status.value, status.value) for status in _STATUS),
    )
}  # fmt: skip
# Several values in one cell: "노인, 장애인", "노인·장애인", "노인 장애인".
LIST_SEPARATORS = re.compile(r"[,，、·/;\s]+")
# 2023-03-15, 2023.3.15, 2023. 3. 15., 2023/03/15, 2023년 3월 15일; a time after it is ignored.
DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# Excel counts days from 1899-12-30 (the 1900 leap-year bug included).
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (header = 1; ``None`` for the whole file), the column
    as its header is written in the file, and a message in Korean."""

    row_number: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = "파일" if self.row_number is None else f"{self.row_number}행"
        return (
            f"{where} [{self.column}] {self.message}" if self.column else f"{where} {self.message}"
        )


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    file_format: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organizations_created: int = 0
    organizations_updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return (
                f"{self.filename}: 오류 {len(self.errors)}건 — 아무것도 가져오지 않았습니다. "
                "고친 뒤 파일 전체를 다시 올려 주세요."
            )
        verb = (
            "가져올 수 있습니다 (검사만 했고 저장하지 않았습니다)"
            if self.dry_run
            else "가져왔습니다"
        )
        return (
            f"{self.filename}: {self.rows}행을 {verb}. 새 자원 {self.created}건, "
            f"바뀐 자원 {self.updated}건, 그대로 {self.unchanged}건, "
            f"새 기관 {self.organizations_created}곳, 바뀐 기관 {self.organizations_updated}곳."
        )

    def lines(self) -> list[str]:
        return [self.summary(), *self.warnings, *(f"  {error}" for error in self.errors)]


class _FileError(Exception):
    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.message, self.column = message, column


class _TooManyErrors(Exception):
    pass


class _RowFailed(Exception):
    """A service refused a row that passed the checks (a concurrent edit): undo everything."""

    def __init__(self, row_number: int, error: ValidationError) -> None:
        super().__init__(row_number)
        self.row_number, self.error = row_number, error


def resources_import(*, file: Path | IO[Any], filename: str, dry_run: bool = False) -> ImportReport:
    """Check every row of a CSV or XLSX resource file, then import all of it or nothing.

    ``dry_run`` checks and counts, writes inside the transaction and rolls it back, so its
    report is what a real import would give.
    """
    report = ImportReport(filename=filename, dry_run=dry_run)
    try:
        file_format, rows = _read(file, filename)
        report.file_format = file_format
        _Importer(report, rows).run()
    except _FileError as exc:
        report.errors.append(RowError(None, exc.column, exc.message))
    except _TooManyErrors:
        report.errors.append(
            RowError(None, "", f"오류가 너무 많아 {MAX_ERRORS}건에서 검사를 멈췄습니다.")
        )
    if report.errors:
        report.created = report.updated = report.unchanged = 0
        report.organizations_created = report.organizations_updated = 0
    return report


# --- reading the file ---------------------------------------------------------------------


def _read(file: Path | IO[Any], filename: str) -> tuple[str, list[list[Any]]]:
    if isinstance(file, str | Path):
        data: bytes | str = Path(file).read_bytes()
    else:
        # From the start, so that one upload can be checked and then imported.
        if getattr(file, "seekable", lambda: False)():
            file.seek(0)
        data = file.read()
    suffix = Path(filename).suffix.lower()
    if isinstance(data, bytes) and data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _FileError(
            "엑셀 97-2003(.xls) 형식은 읽을 수 없습니다. "
            "엑셀에서 'Excel 통합 문서(.xlsx)'나 CSV로 저장해 올려 주세요."
        )
    if suffix in (".xlsx", ".xlsm") or (isinstance(data, bytes) and data.startswith(b"PK\x03\x04")):
        if isinstance(data, str):
            raise _FileError("XLSX 파일은 바이너리로 읽어야 합니다.")
        rows = _read_xlsx(data)
        file_format = "XLSX"
    elif suffix in ("", ".csv", ".txt", ".tsv"):
        rows = _read_csv(data if isinstance(data, str) else _decode(data))
        file_format = "CSV"
    else:
        raise _FileError(f"'{suffix}' 파일은 읽을 수 없습니다. CSV나 XLSX 파일을 올려 주세요.")
    while rows and not any(_text(value) for value in rows[-1]):
        rows.pop()
    if not rows:
        raise _FileError("파일이 비어 있습니다.")
    if len(rows) - 1 > MAX_ROWS:
        raise _FileError(
            f"행이 {len(rows) - 1}개입니다. "
            f"한 번에 {MAX_ROWS}행까지 가져올 수 있으니 나눠 올려 주세요."
        )
    return file_format, rows


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    # UTF-8 first: Korean text in CP949 is practically never valid UTF-8, so the order is safe.
    # CP949 covers EUC-KR and is what Korean Excel writes for 'CSV (쉼표로 분리)'.
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _FileError(
        "파일의 글자 인코딩을 알 수 없습니다. UTF-8이나 CP949(EUC-KR)로 저장한 CSV를 올려 주세요."
    )


def _read_csv(text: str) -> list[list[Any]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = "\t" if "\t" in first_line else ";" if ";" in first_line else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise _FileError(f"CSV 파일을 읽을 수 없습니다: {exc}") from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _FileError(
            "엑셀(XLSX) 파일을 열 수 없습니다. 파일이 손상되지 않았는지 확인해 주세요."
        ) from exc
    try:
        if not workbook.worksheets:
            raise _FileError("엑셀 파일에 시트가 없습니다.")
        # The first sheet, not the active one: the active sheet is whichever was last looked at.
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _text(value: Any) -> str:
    """A cell as text: numbers without a trailing '.0', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _one_line(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _quote(value: str) -> str:
    return value if len(value) <= QUOTE_LENGTH else value[: QUOTE_LENGTH - 1] + "…"


HEADER_KEYS: dict[str, str] = {
    _key(name): column.field
    for column in COLUMNS
    for name in (column.label, column.field, *column.aliases)
}


# --- checking and importing ---------------------------------------------------------------


@dataclass
class _OrganizationPlan:
    name: str
    existing: Organization | None
    # Organization fields the file gives, each with the first row that gave it.
    given: dict[str, tuple[Any, int]] = field(default_factory=dict)

    def changes(self) -> dict[str, Any]:
        if self.existing is None:
            return {"name": self.name} | {name: value for name, (value, _r) in self.given.items()}
        return {
            name: value
            for name, (value, _row) in self.given.items()
            if getattr(self.existing, name) != value
        }


@dataclass
class _ResourcePlan:
    row_number: int
    organization: _OrganizationPlan
    existing: WelfareResource | None
    fields: dict[str, Any]
    regions: list[Region] | None
    target_groups: list[TargetGroup] | None
    changed: bool


class _Importer:
    def __init__(self, report: ImportReport, rows: list[list[Any]]) -> None:
        self.report = report
        self.header = [_text(value) for value in rows[0]]
        self.rows = rows[1:]
        self.columns = self._map_header()
        self.categories = _lookup(ResourceCategory.objects.all())
        self.target_group_names = _lookup(TargetGroup.objects.all())
        self.region_names = _lookup(Region.objects.all(), short_names=True)
        self.kinds = {_key(kind): kind for kind in Organization.Kind.values} | {
            _key(str(label)): kind for kind, label in Organization.Kind.choices
        }
        self.organizations: dict[str, _OrganizationPlan] = {}
        self.plans: list[_ResourcePlan] = []
        # Existing resources by primary key → the row that matched them: a rename in one row
        # and the old name in another would otherwise update one resource twice.
        self.seen_resources: dict[int, int] = {}

    def label(self, field_name: str) -> str:
        """The column as the file writes it, so that the administrator can find it."""
        if not field_name:
            return ""
        if field_name in self.columns:
            return self.header[self.columns[field_name]]
        return COLUMN_BY_FIELD[field_name].label

    def error(self, row_number: int | None, field_name: str, message: str) -> None:
        self.report.errors.append(RowError(row_number, self.label(field_name), message))
        if len(self.report.errors) >= MAX_ERRORS:
            raise _TooManyErrors

    # header

    def _map_header(self) -> dict[str, int]:
        columns: dict[str, int] = {}
        ignored = []
        for index, header in enumerate(self.header):
            if not header:
                continue
            key = _key(header)
            field_name = HEADER_KEYS.get(key) or HEADER_KEYS.get(re.sub(r"\(.*?\)", "", key))
            if field_name is None:
                ignored.append(header)
            elif field_name in columns:
                raise _FileError(
                    f"'{header}' 열과 '{self.header[columns[field_name]]}' 열이 같은 항목"
                    f"({COLUMN_BY_FIELD[field_name].label})입니다. 하나만 남겨 주세요.",
                    header,
                )
            else:
                columns[field_name] = index
        missing = [c.label for c in COLUMNS if c.required and c.field not in columns]
        if missing:
            raise _FileError(
                f"필수 열이 없습니다: {', '.join(missing)}. 첫 행(1행)은 열 이름이어야 합니다 "
                "(예: 외부ID, 자원명, 제공기관, 분류, 지원대상, 제공지역 …).",
                ", ".join(missing),
            )
        if ignored:
            self.report.warnings.append(f"알 수 없는 열은 건너뛰었습니다: {', '.join(ignored)}")
        return columns

    # rows

    def run(self) -> None:
        cells_by_row = []
        for row_number, row in enumerate(self.rows, start=2):
            cells = {f: row[i] if i < len(row) else None for f, i in self.columns.items()}
            if any(_text(value) for value in cells.values()):
                cells_by_row.append((row_number, cells))
        if not cells_by_row:
            raise _FileError("열 이름 아래에 가져올 행이 없습니다.")
        self.report.rows = len(cells_by_row)
        self._load_existing(cells_by_row)
        seen_ids: dict[str, int] = {}
        seen_names: dict[tuple[str, str], int] = {}
        for row_number, cells in cells_by_row:
            self._check_row(row_number, cells, seen_ids, seen_names)
        if self.report.errors:
            return
        self._write()

    def _load_existing(self, cells_by_row: list[tuple[int, dict[str, Any]]]) -> None:
        ids = {_text(c.get("external_id")) for _r, c in cells_by_row} - {""}
        names = {_one_line(_text(c["name"])) for _r, c in cells_by_row}
        organizations = {_one_line(_text(c["organization"])) for _r, c in cells_by_row}
        self.existing_organizations = {
            o.name: o for o in Organization.objects.filter(name__in=organizations)
        }
        resources = WelfareResource.objects.select_related(
            "organization", "category"
        ).prefetch_related("regions", "target_groups")
        self.by_id = {r.external_id: r for r in resources.filter(external_id__in=ids)}
        by_name = resources.filter(organization__name__in=organizations, name__in=names)
        self.by_name = {(r.organization.name, r.name): r for r in by_name}
        # One object per resource, so that two rows about it cannot each keep a stale copy.
        for resource in self.by_id.values():
            self.by_name[(resource.organization.name, resource.name)] = resource

    def _check_row(
        self,
        row_number: int,
        cells: dict[str, Any],
        seen_ids: dict[str, int],
        seen_names: dict[tuple[str, str], int],
    ) -> None:
        errors_before = len(self.report.errors)
        text = {name: _text(value) for name, value in cells.items()}
        name = _one_line(text["name"])
        organization_name = _one_line(text["organization"])
        external_id = text.get("external_id", "")
        if not name:
            self.error(row_number, "name", "자원명을 입력하세요.")
        if not organization_name:
            self.error(row_number, "organization", "제공기관을 입력하세요.")

        if external_id:
            if external_id in seen_ids:
                self.error(
                    row_number,
                    "external_id",
                    f"외부ID '{_quote(external_id)}'이(가) {seen_ids[external_id]}행에도 있습니다.",
                )
            seen_ids.setdefault(external_id, row_number)
        if name and organization_name:
            pair = (organization_name, name)
            if pair in seen_names:
                self.error(
                    row_number,
                    "name",
                    f"같은 제공기관의 같은 자원명이 {seen_names[pair]}행에도 있습니다.",
                )
            seen_names.setdefault(pair, row_number)

        fields: dict[str, Any] = {}
        if name:
            fields["name"] = name
        if external_id:
            fields["external_id"] = external_id
        for text_field in TEXT_FIELDS:
            if text_field in text:
                value = text[text_field]
                fields[text_field] = _one_line(value) if text_field in ("phone", "fee") else value
        if text.get("category"):
            category = self._find(row_number, "category", text["category"], self.categories)
            if category is not None:
                fields["category"] = category
        elif "category" in text:
            self.error(row_number, "category", "분류를 입력하세요.")
        target_groups = None
        if "target_groups" in text:
            target_groups = self._target_groups(row_number, text["target_groups"])
        regions = None
        if "regions" in text:
            regions = self._regions(row_number, text["regions"], fields)
        if "status" in text:
            fields["status"] = self._status(row_number, text["status"])
        if "assured_date" in cells:
            fields["assured_date"] = self._date(row_number, cells["assured_date"])

        errors_before_identity = len(self.report.errors)
        existing = self._identify(row_number, external_id, organization_name, name)
        if len(self.report.errors) > errors_before_identity:
            return  # which resource the row is decides what it needs: nothing more to say
        if existing is not None:
            if existing.pk in self.seen_resources:
                self.error(
                    row_number,
                    "name",
                    f"이 자원은 {self.seen_resources[existing.pk]}행에서 이미 다뤘습니다.",
                )
            self.seen_resources.setdefault(existing.pk, row_number)
        else:
            if "category" not in text:
                self.error(row_number, "category", "새 자원에는 분류가 필요합니다 (분류 열).")
            if "regions" not in text:
                self.error(
                    row_number, "regions", "새 자원에는 제공지역이 필요합니다 (제공지역 열)."
                )
        if not organization_name or len(self.report.errors) > errors_before:
            return
        organization = self._organization(row_number, organization_name, cells)
        if organization is None or len(self.report.errors) > errors_before:
            return
        self._plan(row_number, organization, existing, fields, regions, target_groups)

    def _identify(
        self, row_number: int, external_id: str, organization_name: str, name: str
    ) -> WelfareResource | None:
        if external_id and external_id in self.by_id:
            return self.by_id[external_id]
        existing = self.by_name.get((organization_name, name))
        if existing is not None and external_id and existing.external_id:
            # The name says one resource, the ID another: guessing could overwrite the wrong one.
            self.error(
                row_number,
                "external_id",
                f"이 기관의 '{_quote(name)}'은(는) 이미 다른 외부ID "
                f"'{_quote(existing.external_id)}'로 등록되어 있습니다.",
            )
            return None
        return existing

    def _find(
        self, row_number: int, field_name: str, value: str, lookup: dict[str, Any]
    ) -> Any | None:
        # "돌봄 > 긴급돌봄" names a child category by its path; the last part decides.
        wanted = re.split(r"\s*[>＞]\s*", value.strip())[-1]
        found = lookup.get(_key(wanted))
        if found is None:
            choices = ", ".join(dict.fromkeys(item.name for item in lookup.values()))
            if field_name == "regions":
                choices += ", 도 전역"
            self.error(
                row_number,
                field_name,
                f"알 수 없는 {COLUMN_BY_FIELD[field_name].label} '{_quote(value)}'. "
                f"쓸 수 있는 값: {choices}",
            )
        elif not found.is_active:
            self.error(row_number, field_name, f"'{found.name}'은(는) 지금 쓰지 않는 값입니다.")
            return None
        return found

    def _target_groups(self, row_number: int, value: str) -> list[TargetGroup] | None:
        groups = []
        for part in LIST_SEPARATORS.split(value):
            if part:
                group = self._find(row_number, "target_groups", part, self.target_group_names)
                if group is None:
                    return None
                groups.append(group)
        return list(dict.fromkeys(groups))

    def _regions(self, row_number: int, value: str, fields: dict[str, Any]) -> list[Region] | None:
        if not value:
            self.error(row_number, "regions", "제공지역을 입력하세요 (시·군 이름이나 '도 전역').")
            return None
        if _key(value) in PROVINCE_WIDE_WORDS:
            fields["province_wide"] = True
            return []
        parts = [part for part in LIST_SEPARATORS.split(value) if part]
        if any("전역" in part for part in parts):
            self.error(
                row_number, "regions", "'도 전역'과 시·군을 함께 적을 수 없습니다. 하나만 적으세요."
            )
            return None
        regions = []
        for part in parts:
            region = self._find(row_number, "regions", part, self.region_names)
            if region is None:
                return None
            regions.append(region)
        fields["province_wide"] = False
        return list(dict.fromkeys(regions))

    def _status(self, row_number: int, value: str) -> str:
        if not value:
            # A blank status reads as the usual case: the service runs.
            return WelfareResource.Status.ACTIVE
        status = STATUS_WORDS.get(_key(value))
        if status is None:
            self.error(
                row_number,
                "status",
                f"알 수 없는 상태 '{_quote(value)}'. 쓸 수 있는 값: 운영, 중단, 폐지, 일시중단",
            )
            return WelfareResource.Status.ACTIVE
        return status

    def _date(self, row_number: int, value: Any) -> date | None:
        parsed: date | None = None
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            parsed = value.date()
        elif isinstance(value, date):
            parsed = value
        elif isinstance(value, int | float) and 20000 < value < 80000:
            parsed = EXCEL_EPOCH + timedelta(days=int(value))
        else:
            text = _text(value)
            digits = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
            match = digits or DATE_TEXT.match(text)
            if match:
                try:
                    parsed = date(*(int(part) for part in match.groups()[:3]))
                except ValueError:
                    parsed = None
            if parsed is None:
                self.error(
                    row_number,
                    "assured_date",
                    f"날짜 형식이 올바르지 않습니다: '{_quote(text)}' (예: 2023-03-15)",
                )
                return None
        if parsed > timezone.localdate():
            self.error(row_number, "assured_date", f"최종확인일 {parsed}이(가) 오늘보다 늦습니다.")
        return parsed

    def _organization(
        self, row_number: int, name: str, cells: dict[str, Any]
    ) -> _OrganizationPlan | None:
        plan = self.organizations.get(name)
        if plan is None:
            plan = _OrganizationPlan(name, self.existing_organizations.get(name))
            self.organizations[name] = plan
        given: dict[str, Any] = {}
        kind_text = _text(cells.get("organization_kind"))
        if kind_text:
            if _key(kind_text) not in self.kinds:
                choices = ", ".join(str(label) for _k, label in Organization.Kind.choices)
                self.error(
                    row_number,
                    "organization_kind",
                    f"알 수 없는 기관유형 '{_quote(kind_text)}'. 쓸 수 있는 값: {choices}",
                )
                return None
            given["kind"] = self.kinds[_key(kind_text)]
        for field_name in ("phone", "address"):
            value = _one_line(_text(cells.get(ORGANIZATION_COLUMNS[field_name])))
            if value:
                given[field_name] = value
        # Organization cells may repeat on every row of the organization or be filled on one
        # row only; an empty cell never clears what another row or the database says.
        for field_name, value in given.items():
            if field_name in plan.given and plan.given[field_name][0] != value:
                column = ORGANIZATION_COLUMNS[field_name]
                self.error(
                    row_number,
                    column,
                    f"같은 기관 '{_quote(name)}'의 {COLUMN_BY_FIELD[column].label}이(가) "
                    f"{plan.given[field_name][1]}행과 다릅니다.",
                )
                return None
            plan.given.setdefault(field_name, (value, row_number))
        candidate = Organization(name=name) if plan.existing is None else copy.copy(plan.existing)
        for field_name, value in plan.changes().items():
            setattr(candidate, field_name, value)
        try:
            candidate.full_clean()
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    column = ORGANIZATION_COLUMNS.get(field_name, "organization")
                    self.error(row_number, column, message)
            return None
        return plan

    def _plan(
        self,
        row_number: int,
        organization: _OrganizationPlan,
        existing: WelfareResource | None,
        fields: dict[str, Any],
        regions: list[Region] | None,
        target_groups: list[TargetGroup] | None,
    ) -> None:
        changed = existing is None or any(
            getattr(existing, name) != value for name, value in fields.items()
        )
        if existing is not None:
            changed = changed or existing.organization.name != organization.name
            if regions is not None:
                changed = changed or set(existing.regions.all()) != set(regions)
            if target_groups is not None:
                changed = changed or set(existing.target_groups.all()) != set(target_groups)
        # The model's own checks (lengths, choices, RRN refusal, one name per organization)
        # run on an unsaved copy now, so that a bad row is reported before anything is written.
        # A copy: the loaded object stays as the database has it until the import writes.
        candidate = WelfareResource() if existing is None else copy.copy(existing)
        for name, value in fields.items():
            setattr(candidate, name, value)
        exclude = {"search_text"}
        if organization.existing is None:
            # Not created yet; a new organization can have no name clash anyway.
            exclude.add("organization")
        else:
            candidate.organization = organization.existing
        try:
            candidate.full_clean(exclude=exclude)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                column = "name" if field_name == NON_FIELD_ERRORS else field_name
                if column not in COLUMN_BY_FIELD:
                    column = "name"
                for message in messages:
                    self.error(row_number, column, message)
            return
        self.plans.append(
            _ResourcePlan(
                row_number, organization, existing, fields, regions, target_groups, changed
            )
        )

    def _write(self) -> None:
        report = self.report
        try:
            with transaction.atomic():
                saved: dict[str, Organization] = {}
                for name, organization in self.organizations.items():
                    changes = organization.changes()
                    if organization.existing is None:
                        saved[name] = organization_save(**changes)
                        report.organizations_created += 1
                    elif changes:
                        saved[name] = organization_save(
                            organization=organization.existing, **changes
                        )
                        report.organizations_updated += 1
                    else:
                        saved[name] = organization.existing
                for plan in self.plans:
                    if not plan.changed:
                        report.unchanged += 1
                        continue
                    try:
                        resource_save(
                            resource=plan.existing,
                            regions=plan.regions,
                            target_groups=plan.target_groups,
                            organization=saved[plan.organization.name],
                            **plan.fields,
                        )
                    except ValidationError as exc:
                        raise _RowFailed(plan.row_number, exc) from exc
                    if plan.existing is None:
                        report.created += 1
                    else:
                        report.updated += 1
                if report.dry_run:
                    transaction.set_rollback(True)
        except _RowFailed as exc:
            for field_name, messages in exc.error.message_dict.items():
                column = field_name if field_name in COLUMN_BY_FIELD else "name"
                for message in messages:
                    self.error(exc.row_number, column, message)
        except DatabaseError as exc:
            # Another write got there between the checks and the import (a name taken, say).
            self.error(None, "", f"데이터베이스가 가져오기를 거부했습니다: {exc}")


def _lookup(queryset: Any, *, short_names: bool = False) -> dict[str, Any]:
    """Reference rows by code, Korean name and English name; regions also without 시/군."""
    found: dict[str, Any] = {}
    for item in queryset:
        keys = [item.code, item.name, item.name_en]
        if short_names and len(item.name) > 2 and item.name[-1] in "시군":
            keys.append(item.name[:-1])
        for key in keys:
            if key:
                found.setdefault(_key(key), item)
    return found
