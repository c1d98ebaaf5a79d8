"""The English catalogue: Korean by default, English on request, and a catalogue that cannot rot.

The source strings are Korean (LANGUAGE_CODE = "ko"); locale/en/LC_MESSAGES/django.po holds the
English and django.mo, committed beside it, is what Django reads (the machines that run the
service need not have gettext installed). One test runs makemessages, which needs GNU gettext:
it checks that every string the sources mark for translation has its English.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from rest_framework.test import APIClient

from care.models import Recipient

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"

RRN = "410302-2345678"
RRN_EN = (
    "A value that looks like a resident registration number cannot be stored. "
    "Enter the date of birth only."
)
RRN_KO = "주민등록번호로 보이는 값은 저장할 수 없습니다. 생년월일만 입력하세요."


def recipient_payload(**overrides: Any) -> dict[str, Any]:
    """A complete intake, as in tests/care/test_recipients_api.py."""
    payload: dict[str, Any] = {
        "name": "홍길순",
        "birth_date": "1941-03-02",
        "sex": "F",
        "phone": "063-123-4567",
        "address": "전북특별자치도 완주군 봉동읍 봉동로 1",
        "region": "wanju",
        "admin_unit": "봉동읍",
        "category": "elderly",
        "emergency_reason": "after_discharge",
        "needs": ["housework", "meal"],
        "consent_date": "2023-01-10",
        "consent_scope": "긴급돌봄 제공을 위한 수집·이용",
        "status": "active",
    }
    payload.update(overrides)
    return payload


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """LocaleMiddleware activates the request's language and leaves it active in the thread."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate_all()


# --- the .po file, read without gettext tools ----------------------------------------------


@dataclass
class Entry:
    line: int
    locations: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#~"):
            if entry is None or entry.msgid is not None:
                entry = Entry(line=number)
                entries.append(entry)
            entry.obsolete = True
            continue
        if not line or line.startswith("#"):
            if line.startswith(("#,", "#:")):
                if entry is None or entry.msgid is not None:
                    entry = Entry(line=number)
                    entries.append(entry)
                if line.startswith("#,"):
                    entry.flags += [flag.strip() for flag in line[2:].split(",")]
                else:
                    entry.locations += line[2:].split()
            elif entry is not None and entry.msgid is not None:
                entry, target = None, None
            continue
        if line.startswith('"'):
            assert target is not None, f"{path}:{number}: a continuation line outside an entry"
            assert entry is not None
            text = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
            continue
        match = KEYWORD.match(line)
        assert match, f"{path}:{number}: not a .po line: {raw!r}"
        keyword, index, quoted = match.groups()
        if entry is None or (keyword in ("msgctxt", "msgid") and entry.msgid is not None):
            entry = Entry(line=number)
            entries.append(entry)
        text = ast.literal_eval(quoted)
        if keyword.startswith("msgstr"):
            target = ("msgstr", int(index or 0))
            entry.msgstr[target[1]] = text
        else:
            target = (keyword, 0)
            setattr(entry, keyword, text)
    return [entry for entry in entries if not entry.obsolete]


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return parse_po(PO_FILE)


def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid]


PYTHON_FORMAT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")
BRACE_FORMAT = re.compile(r"\{(\w*)\}")


def placeholders(text: str, flags: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if "python-format" in flags:
        found += [(name, kind) for name, kind in PYTHON_FORMAT.findall(text) if kind != "%"]
    if "python-brace-format" in flags:
        found += [(name, "{}") for name in BRACE_FORMAT.findall(text)]
    return sorted(found)


# --- English on request, Korean by default -------------------------------------------------


def test_model_labels_are_english_when_english_is_active() -> None:
    with translation.override("en"):
        assert str(Recipient._meta.verbose_name) == "Care recipient"
        assert str(Recipient._meta.get_field("birth_date").verbose_name) == "Date of birth"


def test_model_labels_are_korean_by_default() -> None:
    with translation.override(settings.LANGUAGE_CODE):
        assert str(Recipient._meta.verbose_name) == "돌봄대상자"
        assert str(Recipient._meta.get_field("birth_date").verbose_name) == "생년월일"


@pytest.mark.django_db
def test_login_page_is_english_for_a_browser_asking_for_english(client: Client) -> None:
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<title>Log in · Jeonbuk Social Service Institute</title>" in html
    assert "Username" in html
    assert "Password" in html


@pytest.mark.django_db
def test_login_page_is_korean_by_default(client: Client) -> None:
    response = client.get("/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "<title>로그인 · 전북사회서비스원</title>" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_language_cookie_chooses_english_over_the_default(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/login/").content.decode()

    assert "<title>Log in · Jeonbuk Social Service Institute</title>" in html


@pytest.mark.django_db
def test_set_language_view_switches_the_next_pages_to_english(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302

    html = client.get("/login/").content.decode()

    assert "<title>Log in · Jeonbuk Social Service Institute</title>" in html


@pytest.mark.django_db
def test_api_refuses_a_resident_registration_number_in_english_when_asked(
    coordinator_api: APIClient,
) -> None:
    payload = recipient_payload(notes=RRN)

    response = coordinator_api.post(
        "/api/v1/recipients/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400, response.content
    assert response.json()["notes"] == [RRN_EN]


@pytest.mark.django_db
def test_api_refuses_a_resident_registration_number_in_korean_by_default(
    coordinator_api: APIClient,
) -> None:
    payload = recipient_payload(notes=RRN)

    response = coordinator_api.post("/api/v1/recipients/", payload, format="json")

    assert response.status_code == 400, response.content
    [message] = response.json()["notes"]
    assert message.startswith(RRN_KO)


# --- the catalogue itself ------------------------------------------------------------------


def test_catalogue_is_for_english_and_has_no_fuzzy_header(po_entries: list[Entry]) -> None:
    [header] = [entry for entry in po_entries if entry.msgid == ""]
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.msgstr[0]
    assert "fuzzy" not in header.flags


def test_every_message_in_the_english_catalogue_is_translated(po_entries: list[Entry]) -> None:
    entries = messages(po_entries)
    assert len(entries) > 900, "the catalogue looks truncated"

    untranslated = [
        f"{PO_FILE.name}:{entry.line} {entry.msgid!r}"
        for entry in entries
        if not entry.msgstr or not all(text.strip() for text in entry.msgstr.values())
    ]
    fuzzy = [
        f"{PO_FILE.name}:{entry.line} {entry.msgid!r}"
        for entry in entries
        if "fuzzy" in entry.flags
    ]
    assert untranslated == []
    assert fuzzy == []


def test_plural_messages_have_both_english_forms(po_entries: list[Entry]) -> None:
    plural = [entry for entry in messages(po_entries) if entry.msgid_plural is not None]

    assert plural
    assert all(sorted(entry.msgstr) == [0, 1] for entry in plural)


def test_translations_keep_the_source_placeholders(po_entries: list[Entry]) -> None:
    mismatched = []
    for entry in messages(po_entries):
        expected = placeholders(entry.msgid_plural or entry.msgid, entry.flags)
        for text in entry.msgstr.values():
            if placeholders(text, entry.flags) != expected:
                mismatched.append(f"{PO_FILE.name}:{entry.line} {entry.msgid!r} -> {text!r}")

    assert mismatched == []


def test_compiled_catalogue_matches_the_po_file(po_entries: list[Entry]) -> None:
    """django.mo holds exactly the .po's translations: nobody edited one without the other.

    This compares contents rather than modification times, which a git checkout sets in
    whatever order it writes the files.
    """
    with MO_FILE.open("rb") as handle:
        compiled: dict[Any, str] = dict(gettext.GNUTranslations(handle)._catalog)
    compiled.pop("", None)

    expected: dict[Any, str] = {}
    for entry in messages(po_entries):
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            expected.update({(entry.key, n): text for n, text in entry.msgstr.items()})

    stale = sorted(
        repr(key)
        for key in expected.keys() | compiled.keys()
        if expected.get(key) != compiled.get(key)
    )
    assert stale == [], "run: manage.py compilemessages -l en --ignore=.venv"


# --- the catalogue against the sources -----------------------------------------------------

# The catalogue is regenerated with
#   manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench --no-obsolete
# (var/ holds run-time files, bench/ load generators with no UI text).
MAKEMESSAGES_IGNORE = [".venv", "var", "bench"]
# makemessages' extensions for the django domain; the project has no JavaScript catalogue.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
GETTEXT_PROGRAMS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
MISSING_GETTEXT = [program for program in GETTEXT_PROGRAMS if shutil.which(program) is None]
NO_GETTEXT = (
    f"GNU gettext is not installed ({', '.join(MISSING_GETTEXT)} missing): "
    "`apt-get install gettext`, as .ci/run does (under CI this test always runs)"
)


def copy_sources(target: Path) -> None:
    """Copy the files makemessages reads, without the committed locale/.

    makemessages writes its .pot and merges into the catalogue of the locale directory above
    the files it reads: run on the checkout it would rewrite the committed django.po, so it
    runs on a copy whose own locale/ starts empty.
    """
    skipped = {*MAKEMESSAGES_IGNORE, "locale", "node_modules", "__pycache__"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if name in skipped
            or name.startswith(".")
            or (Path(directory, name).is_file() and Path(name).suffix not in SOURCE_SUFFIXES)
        }

    shutil.copytree(settings.BASE_DIR, target, ignore=ignore)


@pytest.mark.skipif(bool(MISSING_GETTEXT) and not os.environ.get("CI"), reason=NO_GETTEXT)
def test_every_translatable_string_in_the_sources_is_in_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, po_entries: list[Entry]
) -> None:
    if MISSING_GETTEXT:
        pytest.fail(NO_GETTEXT)
    # given a copy of the sources with an empty locale/ of its own
    sources = tmp_path / "sources"
    copy_sources(sources)
    monkeypatch.chdir(sources)

    # when makemessages extracts what they mark for translation
    with override_settings(LOCALE_PATHS=[sources / "locale"]):
        call_command(
            "makemessages", locale=["en"], ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0
        )
    extracted = messages(parse_po(sources / "locale" / "en" / "LC_MESSAGES" / "django.po"))

    # then every message, with its context, has an English translation in the catalogue
    assert len(extracted) > 900, "makemessages found too few messages: did it read the sources?"
    translated = {
        entry.key
        for entry in messages(po_entries)
        if "fuzzy" not in entry.flags
        and entry.msgstr
        and all(text.strip() for text in entry.msgstr.values())
    }
    missing = [
        f"{entry.msgid!r}"
        + (f" (context {entry.msgctxt!r})" if entry.msgctxt is not None else "")
        + f" at {' '.join(entry.locations[:3])}"
        for entry in extracted
        if entry.key not in translated
    ]
    assert not missing, (
        f"{len(missing)} message(s) of the sources have no English in {PO_FILE.name}:\n"
        + "\n".join(missing)
        + "\nrun: manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=bench "
        "--no-obsolete, translate the new entries, then compilemessages -l en --ignore=.venv"
    )
