"""The goal tracker (/kpi/) in a real browser: a manager logs in, reads 2022's results, opens
2023 with rolled-up visits, starts a rollup from the page, and downloads the Excel report that
says what the page says."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from care.models import Visit
from kpi.goals import goals_load
from kpi.metrics import SEOUL
from kpi.models import Measure
from kpi.rollups import manual_entry_record, month_close, rollup_year
from tests.browser.conftest import SCREENSHOTS, pass_login
from tests.factories import (
    PASSWORD,
    CorpsMemberFactory,
    RecipientFactory,
    UserFactory,
    episode_of,
    program,
    region,
)

pytestmark = [
    pytest.mark.browser,
    # The live server answers from its own thread, so the test data must be committed; the
    # serialized rollback restores the reference data (regions, roles) afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# (시·군, 읍·면·동) of the demo's recipients: rural 읍·면 and urban 동 across the province.
PLACES = [
    ("jeonju", "효자동"), ("wanju", "봉동읍"), ("gunsan", "나운동"), ("iksan", "함열읍"),
    ("namwon", "운봉읍"), ("jinan", "마령면"), ("gochang", "고창읍"), ("buan", "변산면"),
]  # fmt: skip
THROUGH = 9  # figures for January to September 2023


def measure(name: str, year: int = 2023) -> Measure:
    return Measure.objects.get(indicator__goal__year=year, name=name)


@pytest.fixture
def tracker(db: None) -> Any:
    """The goals, a manager, and nine months of 2023: visits rolled up, a few manual measures
    entered with their evidence, January closed."""
    goals_load()
    manager = UserFactory(username="gyeongyeong", roles=["manager"])
    members = [CorpsMemberFactory(region=region(code)) for code, _unit in PLACES]
    people = [RecipientFactory(region=region(code), admin_unit=unit) for code, unit in PLACES]
    episodes = {person.pk: episode_of(person) for person in people}
    visits = []
    for month in range(1, THROUGH + 1):
        for index, (member, person) in enumerate(zip(members, people, strict=True)):
            if (index + month) % 3 == 0:
                continue  # not everyone every month
            start = datetime(2023, month, 3 + index * 2, 10, tzinfo=SEOUL)
            visits.append(
                Visit(
                    client_uuid=uuid4(),
                    recipient=person,
                    corps_member=member,
                    episode=episodes[person.pk],
                    program=program("rural_gap_care" if index % 2 else "emergency_care"),
                    started_at=start,
                    ended_at=start + timedelta(hours=2),
                )
            )
    Visit.objects.bulk_create(visits)
    rollup_year(year=2023, through=THROUGH)
    entries = [
        ("지원사업 횟수", {m: 5 + m % 3 for m in range(1, THROUGH + 1)}, "지원사업 결과보고"),
        ("수탁건수", {3: 1, 7: 1}, "수탁 협약서"),
        ("직접고용 비율", {m: 100 for m in range(1, THROUGH + 1)}, "인사기록 현황"),
        ("교육실시 횟수", {m: 3 for m in range(1, THROUGH + 1)}, "교육 결과보고"),
    ]
    for name, values, evidence in entries:
        for month, value in values.items():
            manual_entry_record(
                actor=manager,
                measure=measure(name),
                year=2023,
                month=month,
                value=Decimal(value),
                evidence=f"{month}월 {evidence}",
            )
    month_close(actor=manager, year=2023, month=1)
    manager.password_plain = PASSWORD
    return manager


def log_in(page: Page, server_url: str, user: Any, next_path: str) -> None:
    page.goto(f"{server_url}{next_path}")
    expect(page.locator("#id_username")).to_be_visible()  # sent to /login/ first
    pass_login(page, server_url, user.username, user.password_plain)
    expect(page.locator("h1")).to_contain_text("경영성과 목표 및 실적")


def save_screenshot(page: Page, name: str) -> None:
    """docs/screenshots/kpi-NAME.png when SAVE_SCREENSHOTS=1; an ordinary run writes none."""
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"kpi-{name}.png"))


def scroll_to(page: Page, selector: str) -> None:
    page.locator(selector).evaluate("element => element.scrollIntoView({block: 'start'})")


def test_a_manager_reads_the_goals_starts_a_rollup_and_downloads_the_matching_report(
    context: Any, server_url: str, tracker: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the worker's task runs in the server's thread
    page = context.new_page()

    # 2022: the document's own results table, with its rates.
    log_in(page, server_url, tracker, "/kpi/?year=2022")
    consulting = page.locator(f"#m-{measure('지원 건수', 2022).pk}")
    expect(consulting.locator(".rate .badge")).to_have_text("416%")
    expect(consulting).to_contain_text("125건")
    expect(page.locator(f"#m-{measure('제공인원 수', 2022).pk} .rate .badge")).to_have_text("110%")

    # 2023, picked with the year selector.
    page.select_option("#year-select", "2023")
    page.click("form[aria-label='연도 선택'] button[type=submit]")
    expect(page.locator("h1")).to_have_text("2023년 경영성과 목표 및 실적")
    served = page.locator(f"#m-{measure('제공인원수').pk}")
    expect(served.locator(".actual")).to_contain_text("1–9월")
    expect(page.locator(f"svg#chart-m-{measure('제공인원수').pk} text.month")).to_have_count(12)
    expect(page.locator("#breakdown")).to_contain_text("완주군")
    save_screenshot(page, "dashboard")
    scroll_to(page, "#goal-4")
    save_screenshot(page, "goal-4")
    scroll_to(page, "#charts")
    save_screenshot(page, "charts")
    scroll_to(page, "#breakdown")
    save_screenshot(page, "breakdown")

    # A rollup of October, started from the page, runs and shows as finished.
    page.select_option("#rollup-month", "10")
    page.click("#rollup-submit")
    expect(page.locator(".messages")).to_contain_text("2023년 10월 집계를 요청했습니다")
    expect(page.locator("#runs tbody tr").first).to_have_attribute("data-state", "succeeded")
    expect(served.locator(".actual")).to_contain_text("1–10월")

    # The Excel report says what the page says.
    shown = served.get_attribute("data-actual")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    sheet = load_workbook(path).worksheets[0]
    actual = next(r[4] for r in sheet.iter_rows(values_only=True) if r[2] == "제공인원수")
    assert shown and Decimal(shown) == actual > 0
    expect(served.locator(".actual")).to_contain_text(f"{actual}명")
