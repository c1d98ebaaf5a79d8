"""The goal tracker's operational measures (운영 지표) of episodes and schedules, 4-1's 운영사업
counted per 운영 group, and 4-1's 2022 results (docs/kpi.md §3.1, DESIGN §3 and §7).

Each figure is read both ways the rollups read it (``tests.kpi.test_metrics.figures``: the
year's series and month by month must agree) on a hand-built 2023.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from care.models import Episode, Recipient, ScheduledVisit
from kpi import metrics, rollups
from kpi.exports import report_workbook
from kpi.goals import GoalDataError, goals_load
from kpi.models import (
    Measure,
    Measurement,
    MeasurementBreakdown,
    OperatingGroupProgram,
    UnitProgram,
    UnitProgramTarget,
)
from kpi.report import year_report
from tests.consultations.factories import OrganizationFactory
from tests.factories import EpisodeFactory, UserFactory, program
from tests.kpi.test_metrics import (
    YEAR,
    a_consultation,
    a_member,
    a_recipient,
    a_visit,
    figures,
    kst,
)

D = Decimal
OPERATIONAL = {
    "episodes_opened",
    "episodes_closed",
    "closure_linkage_rate",
    "referral_to_first_visit_days",
    "schedule_completion_rate",
    "delivered_hours",
    "satisfaction_score",
    # safety incidents (issue 12; tests/care/incidents/test_goal_tracker.py)
    "incidents",
    "incident_hours_to_acknowledge",
    # beside 4-1's 사회서비스연계 상담, which counts outreach sessions (issue 12)
    "outreach_consultations",
}

pytestmark = pytest.mark.django_db


def an_episode(referred_on: date, *, recipient: Recipient | None = None, **fields: Any) -> Episode:
    return EpisodeFactory(recipient=recipient or a_recipient(), referred_on=referred_on, **fields)


def closed(on: date, reason: str = Episode.ClosureReason.RECOVERED) -> Episode:
    """An episode closed on ``on`` for ``reason``; a linked one names the organization."""
    linked = reason == Episode.ClosureReason.LINKED
    return an_episode(
        date(2022, 12, 1),
        state=Episode.State.CLOSED,
        closed_on=on,
        closure_reason=reason,
        linked_organization=OrganizationFactory() if linked else None,
    )


def values(code: str, through: int = 3) -> list[tuple[Any, Any]]:
    """(month, year to date) of months 1..through, both paths agreeing (``figures``)."""
    monthly, ytd = figures(code, through)
    return list(zip(monthly, ytd, strict=True))


# --- episodes opened and closed, closure reasons ---------------------------------------------


def test_episodes_opened_count_by_their_referral_date() -> None:
    # given two referrals in January (one on its last day) and one in February
    for day in (date(2023, 1, 5), date(2023, 1, 31), date(2023, 2, 1)):
        an_episode(day, state=Episode.State.REFERRED)
    an_episode(date(2022, 12, 31), state=Episode.State.REFERRED)  # last year

    # then they count in their month, and the year to date adds up
    assert values("episodes_opened") == [(2, 2), (1, 3), (0, 3)]


def test_episodes_closed_count_in_the_month_of_closure_with_their_reasons() -> None:
    # given a closure in January (recovered) and two in February (linked, died)
    closed(date(2023, 1, 31))
    closed(date(2023, 2, 1), Episode.ClosureReason.LINKED)
    closed(date(2023, 2, 28), Episode.ClosureReason.DIED)
    # and an open episode, which has not closed
    an_episode(date(2023, 2, 1))

    assert values("episodes_closed") == [(1, 1), (2, 3), (0, 3)]
    assert metrics.month_breakdown("episodes_closed", YEAR, 2, "reason") == {
        "recovered": (0, 1),
        "linked": (1, 1),
        "died": (1, 1),
    }


def test_linkage_rate_is_linked_closures_over_closures_and_its_year_to_date_is_not_a_mean() -> None:
    # given January: one closure, not linked; February: one linked of two
    closed(date(2023, 1, 10))
    closed(date(2023, 2, 10), Episode.ClosureReason.LINKED)
    closed(date(2023, 2, 20), Episode.ClosureReason.MOVED)

    # then February is 50 %, the year to date 1 of 3 (33.3 %, not the mean of 0 and 50), and
    # March, without a closure, has no rate of its own
    assert values("closure_linkage_rate") == [
        (D("0.0"), D("0.0")),
        (D("50.0"), D("33.3")),
        (None, D("33.3")),
    ]


# --- days from referral to first visit --------------------------------------------------------


def test_median_days_from_referral_to_the_first_counted_visit_by_the_month_of_that_visit() -> None:
    # given January's first visits: 2 days, 8 days (after a void visit) and 21 days (at 23:30
    # KST on January 31, still January in Seoul)
    a = an_episode(date(2023, 1, 1))
    a_visit(kst(1, 3), episode=a)
    a_visit(kst(1, 20), episode=a)  # not a first visit
    d = an_episode(date(2023, 1, 4))
    a_visit(kst(1, 5), episode=d, void=True)
    a_visit(kst(1, 12), episode=d)
    b = an_episode(date(2023, 1, 10))
    a_visit(datetime(2023, 1, 31, 14, 30, tzinfo=UTC), episode=b)
    # an episode first visited last December does not count in January
    c = an_episode(date(2022, 12, 20))
    a_visit(kst(12, 22, year=2022), episode=c)
    a_visit(kst(1, 9), episode=c)
    # and February's one first visit: 3 days
    e = an_episode(date(2023, 2, 1))
    a_visit(kst(2, 4), episode=e)

    # then January's median is 8 days, February's 3, and the year's so far the median of all
    # four (2, 3, 8, 21 → 5.5), never a median of the months' medians
    assert values("referral_to_first_visit_days") == [
        (D("8.0"), D("8.0")),
        (D("3.0"), D("5.5")),
        (None, D("5.5")),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_the_portable_median_agrees_with_percentile_cont() -> None:
    # given an odd number of episodes in January and an even number in February
    for referred, first in [(1, 2), (1, 5), (2, 20), (1, 15), (3, 9)]:
        a_visit(kst(1, first), episode=an_episode(date(2023, 1, referred)))
    for referred, first in [(1, 3), (2, 10), (5, 6), (1, 28)]:
        a_visit(kst(2, first), episode=an_episode(date(2023, 2, referred)))
    code = "referral_to_first_visit_days"

    # when the medians are taken without percentile_cont
    portable = metrics._visit_year({code}, YEAR, 3, portable=True)[code]

    # then they are PostgreSQL's own
    expected = metrics.year_figures(code, YEAR, 3)
    assert portable == expected
    assert expected[2][metrics.TOTAL] == (D("5.0"), D("6.0"))


# --- scheduled-visit completion ---------------------------------------------------------------


def a_scheduled_visit(at: datetime, state: str, episode: Episode | None = None) -> ScheduledVisit:
    episode = episode or an_episode(date(2023, 1, 1))
    fields: dict[str, Any] = {}
    if state == ScheduledVisit.State.DONE:
        fields["visit"] = a_visit(at, episode=episode)
    if state == ScheduledVisit.State.CANCELLED:
        fields["change_reason"] = "입원"
    return ScheduledVisit.objects.create(
        episode=episode,
        recipient=episode.recipient,
        occurrence_date=at.date(),
        starts_at=at,
        planned_minutes=60,
        corps_member=a_member(),
        state=state,
        **fields,
    )


def test_completion_rate_is_done_over_due_and_leaves_cancelled_visits_out() -> None:
    # given March: three done, one missed, one late whose day is over, two cancelled
    states = ScheduledVisit.State
    for day in (1, 2, 3):
        a_scheduled_visit(kst(3, day), states.DONE)
    a_scheduled_visit(kst(3, 4), states.MISSED)
    a_scheduled_visit(kst(3, 31, 23, 30), states.LATE)
    for day in (6, 7):
        a_scheduled_visit(kst(3, day), states.CANCELLED)

    # then March is 3 of 5 (the cancelled ones are in neither), January and February have none
    assert values("schedule_completion_rate") == [
        (None, None),
        (None, None),
        (D("60.0"), D("60.0")),
    ]


def test_a_late_visit_of_today_is_not_yet_due() -> None:
    # given today: one done, one late (the caregiver may still come)
    now = timezone.localtime()
    today = now.replace(hour=0, minute=1)
    a_scheduled_visit(today, ScheduledVisit.State.DONE)
    a_scheduled_visit(today, ScheduledVisit.State.LATE)

    # then today's late visit is left out: 1 of 1
    figures_now = metrics.month_figures("schedule_completion_rate", now.year, now.month)
    assert figures_now[metrics.TOTAL] == (D("100.0"), D("100.0"))


# --- delivered hours --------------------------------------------------------------------------


def test_delivered_hours_sum_the_counted_visits_minutes() -> None:
    # given January: 60 minutes at 23:30 KST on the 31st (January in Seoul), 90 minutes, a void
    # visit of 120 minutes and one never checked out (no time); February: 30 minutes
    a_visit(datetime(2023, 1, 31, 14, 30, tzinfo=UTC), minutes=60)
    a_visit(kst(1, 10), minutes=90)
    a_visit(kst(1, 11), minutes=120, void=True)
    a_visit(kst(1, 12), minutes=None)
    a_visit(kst(2, 1), minutes=30)

    assert values("delivered_hours") == [
        (D("2.50"), D("2.50")),
        (D("0.50"), D("3.00")),
        (D("0.00"), D("3.00")),
    ]
    assert metrics.month_breakdown("delivered_hours", YEAR, 2, "area") == {
        "rural": (D("0.50"), D("3.00"))
    }


# --- persons in two episodes ------------------------------------------------------------------


def test_a_person_served_in_two_episodes_in_one_year_is_one_person() -> None:
    # given a recipient helped in January (episode closed) and again in March (a new episode)
    person = a_recipient()
    first = an_episode(
        date(2023, 1, 2),
        recipient=person,
        state=Episode.State.CLOSED,
        closed_on=date(2023, 1, 31),
        closure_reason=Episode.ClosureReason.RECOVERED,
    )
    a_visit(kst(1, 5), episode=first)
    second = an_episode(date(2023, 3, 1), recipient=person)
    a_visit(kst(3, 5), episode=second)

    # then the person is served in January and March, and once in the year
    assert values("recipients_served") == [(1, 1), (0, 1), (1, 1)]
    # while the episodes opened are two
    assert values("episodes_opened") == [(1, 1), (0, 1), (1, 2)]


# --- 4-1 운영사업: the 운영 groups -------------------------------------------------------------


def test_programs_operated_cannot_pass_the_documents_two_with_the_seeds_programs() -> None:
    # given the goals, and in one month activity in every care program and both counseling
    # programs (four 4-1 programs with records, and 4-2's)
    goals_load()
    for code in ("emergency_care", "rural_gap_care", "home_environment", "outreach_counseling"):
        a_visit(kst(1), program=code)
    a_consultation(kst(1), "outreach_counseling")
    a_consultation(kst(1), "care_info_counseling")

    # then 4-1 ran its two 운영 lines: 긴급 돌봄사업 and 전북형 돌봄체계 추진
    assert values("programs_operated", 1) == [(2, 2)]


def test_a_group_counts_from_a_consultation_alone_and_4_2s_counseling_counts_for_none() -> None:
    goals_load()
    a_consultation(kst(2), "outreach_counseling")  # 전북형 돌봄체계 추진
    a_consultation(kst(1), "care_info_counseling")  # 4-2's: in no 4-1 group
    a_visit(kst(1), program="home_environment", void=True)  # void: nothing

    assert values("programs_operated", 2) == [(0, 0), (1, 1)]


def test_the_groups_are_data_each_program_in_one_group() -> None:
    goals_load()

    groups = {
        (row.group, row.program.code)
        for row in OperatingGroupProgram.objects.select_related("program")
    }
    assert groups == {
        ("긴급돌봄 운영", "emergency_care"),
        ("전북형 돌봄체계 추진", "rural_gap_care"),
        ("전북형 돌봄체계 추진", "home_environment"),
        ("전북형 돌봄체계 추진", "outreach_counseling"),
    }
    # the groups are the 4-1 unit programs' own
    assert {g for g, _code in groups} == set(
        UnitProgram.objects.filter(indicator__goal__year=2023, indicator__code="4-1").values_list(
            "group", flat=True
        )
    )
    row = OperatingGroupProgram.objects.get(program__code="emergency_care")
    with pytest.raises(IntegrityError), transaction.atomic():
        OperatingGroupProgram.objects.create(
            indicator=row.indicator, group="전북형 돌봄체계 추진", program=program("emergency_care")
        )


def test_a_program_named_in_two_groups_fails_the_load(tmp_path: Any) -> None:
    import json

    from kpi.goals import DEFAULT_PATH

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    groups = data["plans"][0]["goals"][3]["indicators"][0]["operating_groups"]
    groups[1]["programs"].append("emergency_care")
    bad = tmp_path / "goals.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(GoalDataError, match=r"operating_groups\[1\]: the same row appears twice"):
        goals_load(path=bad)


# --- 4-1's 2022 results -----------------------------------------------------------------------


def test_4_1s_2022_results_are_loaded_on_the_unit_programs_that_carry_them() -> None:
    goals_load()

    loaded = {
        (t.unit_program.group, t.unit_program.name): (t.reported_actual, t.reported_actual_text)
        for t in UnitProgramTarget.objects.filter(
            year=2022, unit_program__indicator__code="4-1"
        ).select_related("unit_program")
    }
    assert loaded == {
        ("긴급돌봄 운영", "긴급돌봄지원단"): (D(22), "22명"),
        ("긴급돌봄 운영", "긴급돌봄 수혜"): (D(103), "103명"),
        ("긴급돌봄 운영", "돌봄서비스 제공"): (D(1006), "1006회"),
        ("전북형 돌봄체계 추진", "농촌지역 돌봄사각지대 발굴 및 서비스 제공"): (D(27), "27명"),
        ("전북형 돌봄체계 추진", "가정내 돌봄주거환경개선"): (D(60), "60가구"),
    }
    # 1,006회 and 60가구 are 2022 figures of their own, with no later target
    for name in ("돌봄서비스 제공", "가정내 돌봄주거환경개선"):
        assert list(UnitProgram.objects.get(name=name).targets.values_list("year", flat=True)) == [
            2022
        ]
    # and a second load changes nothing
    again = goals_load()
    assert (again.created, again.updated) == (0, 0)


def test_the_2023_report_shows_4_1s_2022_results_as_last_years() -> None:
    goals_load()

    report = year_report(year=2023)

    indicator = next(i for goal in report.goals for i in goal.indicators if i.code == "4-1")
    prior = {p.name: (p.prior_actual, p.prior_text) for p in indicator.unit_programs}
    assert prior == {
        "긴급돌봄지원단": (D(22), "22명"),
        "긴급돌봄 수혜": (D(103), "103명"),
        "돌봄서비스 제공": (D(1006), "1006회"),
        "농촌지역 돌봄사각지대 발굴 및 서비스 제공": (D(27), "27명"),
        "가정내 돌봄주거환경개선": (D(60), "60가구"),
        "사회서비스연계 상담": (None, ""),
    }


# --- the operational measures: loaded, rolled up, shown apart from the goals -------------------


def test_operational_measures_are_loaded_beside_4_1_without_targets() -> None:
    goals_load()

    measures = Measure.objects.filter(operational=True)
    assert {m.metric for m in measures} == OPERATIONAL
    assert {(m.indicator.goal.year, m.indicator.code) for m in measures} == {(2023, "4-1")}
    assert not measures.filter(targets__isnull=False).exists()


def test_the_report_and_the_excel_print_the_documents_measures_only() -> None:
    goals_load()

    report = year_report(year=2023)
    workbook = load_workbook(BytesIO(report_workbook(report)))

    names = {line.name for _g, _i, line in report.measure_rows()}
    assert not names & set(Measure.objects.filter(operational=True).values_list("name", flat=True))
    assert {line.metric for line in report.operations} == OPERATIONAL
    cells = {str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row}
    assert "서비스 제공 시간" not in cells
    assert "4-1 돌봄체계 구축 및 운영" in " ".join(cells)


def a_month_of_episodes() -> None:
    """February 2023: two referrals, two closures (one linked), first visits of 2 and 4 days,
    2.5 hours of visits, three scheduled visits of which two done and one cancelled."""
    first = an_episode(date(2023, 2, 1))
    a_visit(kst(2, 3), episode=first, minutes=90)
    second = an_episode(date(2023, 2, 6))
    a_visit(kst(2, 10), episode=second, minutes=60)
    closed(date(2023, 2, 20), Episode.ClosureReason.LINKED)
    closed(date(2023, 2, 21))
    a_scheduled_visit(kst(2, 14), ScheduledVisit.State.DONE, first)
    a_scheduled_visit(kst(2, 15), ScheduledVisit.State.CANCELLED, first)


def stored_operations(month: int) -> dict[str, tuple[Any, Any]]:
    rows = Measurement.objects.filter(
        year=YEAR, month=month, measure__operational=True
    ).select_related("measure")
    return {row.measure.metric: (row.value, row.ytd_value) for row in rows}


def test_the_monthly_rollup_stores_the_operational_measures() -> None:
    goals_load()
    a_month_of_episodes()

    rollups.rollup_month(year=YEAR, month=2)

    assert stored_operations(2) == {
        # the two closed episodes were referred in December 2022
        "episodes_opened": (D(2), D(2)),
        "episodes_closed": (D(2), D(2)),
        "closure_linkage_rate": (D("50.0"), D("50.0")),
        "referral_to_first_visit_days": (D("3.0"), D("3.0")),
        # the done scheduled visit's own visit adds an hour
        "delivered_hours": (D("3.50"), D("3.50")),
        "schedule_completion_rate": (D("100.0"), D("100.0")),
        # no satisfaction survey in the month: no mean to state
        "satisfaction_score": (None, None),
        # no incident in the month: none counted, no median of nothing
        "incidents": (D(0), D(0)),
        "incident_hours_to_acknowledge": (None, None),
        "outreach_consultations": (D(0), D(0)),
    }
    reasons = MeasurementBreakdown.objects.filter(
        measurement__measure__metric="episodes_closed", dimension="reason"
    ).values_list("key", "value", "ytd_value")
    assert set(reasons) == {("linked", D(1), D(1)), ("recovered", D(1), D(1))}


def test_a_rate_over_nothing_is_stored_empty_not_zero() -> None:
    goals_load()

    rollups.rollup_month(year=YEAR, month=1)

    figures_ = stored_operations(1)
    assert figures_["closure_linkage_rate"] == (None, None)
    assert figures_["referral_to_first_visit_days"] == (None, None)
    assert figures_["episodes_opened"] == (D(0), D(0))


def test_the_dashboard_shows_the_operational_measures_and_the_closure_reasons() -> None:
    goals_load()
    a_month_of_episodes()
    rollups.rollup_month(year=YEAR, month=2)
    desk = Client()
    desk.force_login(UserFactory(roles=["manager"]))

    page = desk.get("/kpi/", {"year": YEAR}).content.decode()

    section = page[page.index('id="operations"') :]
    section = section[: section.index("</section>")]
    assert "운영 지표" in section and "2월" in section
    assert "종결 시 연계율" in section and "50%" in section
    assert "3.5시간" in section
    assert "장기 서비스 연계" in section and "회복" in section
    assert 'href="#operations"' in page  # from 4-1's row of the goal table


def listed(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_the_api_lists_the_operational_measures_like_the_others() -> None:
    goals_load()
    a_month_of_episodes()
    rollups.rollup_month(year=YEAR, month=2)
    api = Client()
    api.force_login(UserFactory(roles=["manager"]))

    rows = listed(
        api.get("/api/v1/kpi/measurements/", {"year": YEAR, "month": 2, "operational": "true"})
    )

    by_metric = {row["name"]: row for row in rows}
    assert all(row["operational"] for row in rows) and len(rows) == len(OPERATIONAL)
    assert by_metric["종결 시 연계율"]["value"] == 50.0
    closures = by_metric["돌봄 회차 종결"]
    assert {(b["dimension"], b["key"]) for b in closures["breakdowns"]} >= {
        ("reason", "linked"),
        ("reason", "recovered"),
    }
    others = listed(api.get("/api/v1/kpi/measurements/", {"year": YEAR, "operational": "false"}))
    assert others and not any(row["operational"] for row in others)


def test_operational_rollup_follows_the_seoul_month_of_a_late_night_visit() -> None:
    # given an episode first visited at 23:30 KST on January 31 for an hour
    goals_load()
    episode = an_episode(date(2023, 1, 30))
    a_visit(datetime(2023, 1, 31, 14, 30, tzinfo=UTC), episode=episode)

    rollups.rollup_month(year=YEAR, month=1)
    rollups.rollup_month(year=YEAR, month=2)

    assert stored_operations(1)["delivered_hours"] == (D("1.00"), D("1.00"))
    assert stored_operations(1)["referral_to_first_visit_days"] == (D("1.0"), D("1.0"))
    assert stored_operations(2)["delivered_hours"] == (D("0.00"), D("1.00"))
    assert stored_operations(2)["referral_to_first_visit_days"] == (None, D("1.0"))


def test_the_yearly_rollup_stores_what_the_monthly_one_does() -> None:
    goals_load()
    a_month_of_episodes()
    closed(date(2023, 1, 5))

    rollups.rollup_year(year=YEAR, through=3)
    by_year = {m: stored_operations(m) for m in (1, 2, 3)}
    for m in (1, 2, 3):
        rollups.rollup_month(year=YEAR, month=m)

    assert {m: stored_operations(m) for m in (1, 2, 3)} == by_year
    assert by_year[2]["closure_linkage_rate"] == (D("50.0"), D("33.3"))
