"""What the tablet pages say and how they are labelled, through Django's test client (the
layout, the focus and the widths are checked in a browser: tests/browser/)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from care.tablet_views import SCRIPT_TEXT
from tests.care.schedule_factories import scheduled_visit, seoul
from tests.care.test_tablet_pages import logged_in

pytestmark = pytest.mark.django_db


class References(HTMLParser):
    """The ids of a page, and what its labels and ARIA attributes point at."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.label_targets: list[str] = []
        self.aria_targets: list[tuple[str, str]] = []
        self.classes_of: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
            self.classes_of[found["id"] or ""] = (found.get("class") or "").split()
        if tag == "label" and "for" in found:
            self.label_targets.append(found["for"] or "")
        for name in ("aria-describedby", "aria-labelledby", "aria-controls"):
            if name in found:
                for target in (found[name] or "").split() or [""]:
                    self.aria_targets.append((name, target))


def read(client: Client, path: str) -> References:
    response = client.get(path)
    assert response.status_code == 200, path
    parsed = References()
    parsed.feed(response.content.decode())
    return parsed


@pytest.fixture
def caregiver_client(caregiver: Any) -> Client:
    return logged_in(caregiver)


@pytest.fixture
def planned(caregiver: Any) -> Any:
    return scheduled_visit(
        corps_member=caregiver.corps_member_record,
        recipient=caregiver.assigned_recipient,
        starts_at=seoul(timezone.localdate(), 9, 30),
        services=["housework"],
    )


def tablet_pages(caregiver: Any, planned: Any) -> list[str]:
    return [
        "/tablet/",
        "/tablet/tomorrow/",
        f"/tablet/visit/{caregiver.assigned_recipient.pk}/",
        f"/tablet/schedule/{planned.pk}/",
        "/tablet/visits/",
        "/tablet/month/",
    ]


def test_every_label_and_aria_reference_on_the_tablet_pages_has_its_target(
    caregiver: Any, caregiver_client: Client, planned: Any
) -> None:
    for path in tablet_pages(caregiver, planned):
        page = read(caregiver_client, path)

        assert all(page.label_targets), f'{path}: <label for="">'
        assert set(page.label_targets) <= page.ids, path
        missing = [(name, target) for name, target in page.aria_targets if target not in page.ids]
        assert missing == [], path


def test_send_now_starts_quiet_on_every_tablet_page(
    caregiver: Any, caregiver_client: Client, planned: Any
) -> None:
    for path in tablet_pages(caregiver, planned):
        page = read(caregiver_client, path)

        assert "quiet" in page.classes_of["sync-button"], path


def test_the_visit_screen_says_that_saving_also_checks_out(
    caregiver: Any, caregiver_client: Client
) -> None:
    response = caregiver_client.get(f"/tablet/visit/{caregiver.assigned_recipient.pk}/")

    page = response.content.decode()
    assert ">저장하고 체크아웃</button>" in page
    assert 'aria-describedby="save-hint"' in page
    assert "저장하면 체크아웃도 함께 기록되고" in page
    assert "오늘 일정으로 돌아갑니다" in page
    # The script switches the button's words once the caregiver has checked out.
    assert SCRIPT_TEXT["save"] == "저장"
    assert SCRIPT_TEXT["save_and_checkout"] == "저장하고 체크아웃"


def test_the_visit_form_comes_before_the_recipients_details(
    caregiver: Any, caregiver_client: Client
) -> None:
    page = caregiver_client.get(f"/tablet/visit/{caregiver.assigned_recipient.pk}/")

    html = page.content.decode()
    assert html.index('id="check-in"') < html.index('id="save"') < html.index("recipient-info")


def test_the_check_in_time_has_its_large_place_and_a_live_announcement(
    caregiver: Any, caregiver_client: Client
) -> None:
    page = read(caregiver_client, f"/tablet/visit/{caregiver.assigned_recipient.pk}/")

    assert {"checked-in", "checked-in-time", "checked-out", "checked-out-time"} <= page.ids
    assert "clock-time" in page.classes_of["checked-in-time"]
    html = caregiver_client.get(f"/tablet/visit/{caregiver.assigned_recipient.pk}/")
    assert 'id="clock-state" class="visually-hidden" role="status" aria-live="polite"' in (
        html.content.decode()
    )


def test_the_flash_after_a_save_is_a_focusable_status_on_todays_list(
    caregiver_client: Client,
) -> None:
    html = caregiver_client.get("/tablet/").content.decode()

    assert '<p id="flash" class="card flash" role="status" tabindex="-1" hidden></p>' in html
