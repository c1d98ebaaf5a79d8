"""Call-back requests are kept as long as the consent text the resident agreed to says, and
no longer: three years from the call, one year from the request when nobody was reached."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from base.models import AccessLog
from care.retention import ERASED
from consultations.callbacks import consent
from consultations.callbacks.models import CallbackRequest
from consultations.callbacks.retention import callback_erase, callbacks_due
from consultations.retention import retention_apply
from tests.consultations.callbacks.factories import a_request
from tests.consultations.consultation_factories import ConsultationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def seoul(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def made_on(when: dt.datetime, **fields: object) -> CallbackRequest:
    request = a_request(**fields)
    CallbackRequest.objects.filter(pk=request.pk).update(created_at=when, consent_at=when)
    return CallbackRequest.objects.get(pk=request.pk)


def called_back(when: dt.datetime, made: dt.datetime) -> CallbackRequest:
    request = made_on(made)
    counselor = UserFactory(roles=["counselor"])
    CallbackRequest.objects.filter(pk=request.pk).update(
        state=CallbackRequest.State.CALLED_BACK,
        taken_by=counselor,
        taken_at=made,
        consultation=ConsultationFactory(held_at=when),
        called_back_at=when,
    )
    return CallbackRequest.objects.get(pk=request.pk)


def closed(made: dt.datetime, reason: str = "unreachable") -> CallbackRequest:
    request = made_on(made)
    CallbackRequest.objects.filter(pk=request.pk).update(
        state=CallbackRequest.State.CLOSED,
        close_reason=reason,
        close_note="세 번 걸었으나 받지 않음",
        closed_at=made + dt.timedelta(days=3),
        closed_by=UserFactory(roles=["counselor"]),
    )
    return CallbackRequest.objects.get(pk=request.pk)


def test_the_periods_are_those_the_consent_text_states() -> None:
    stated = dict(consent.CURRENT.items)["보유·이용 기간"]
    assert "상담을 마친 날부터 3년" in stated and "신청일부터 1년" in stated


def test_a_request_is_due_the_day_after_its_period_ends_in_seoul() -> None:
    # given a call at 08:00 on 2 March 2023, Seoul (23:00 on 1 March in UTC)
    call = called_back(seoul(2023, 3, 2, 8), made=seoul(2023, 3, 1))
    not_reached = closed(seoul(2025, 6, 10, 0))

    # then the call's three years end on 2 March 2026, the other's one year on 10 June 2026
    assert [d.pk for d in callbacks_due(dt.date(2026, 3, 2))] == []
    assert [(d.pk, d.kept_until) for d in callbacks_due(dt.date(2026, 3, 3))] == [
        (call.pk, dt.date(2026, 3, 2))
    ]
    assert not_reached.pk not in [d.pk for d in callbacks_due(dt.date(2026, 6, 10))]
    assert not_reached.pk in [d.pk for d in callbacks_due(dt.date(2026, 6, 11))]


def test_an_open_request_is_never_due_however_old() -> None:
    old = made_on(seoul(2020, 1, 1))

    assert callbacks_due(dt.date(2030, 1, 1)) == []
    assert not callback_erase(old.pk, today=dt.date(2030, 1, 1))


def test_a_duplicate_is_kept_no_longer_than_a_request_nobody_answered() -> None:
    duplicate = closed(seoul(2024, 1, 5), reason="duplicate")

    assert [d.pk for d in callbacks_due(dt.date(2025, 1, 6))] == [duplicate.pk]


def test_erasure_leaves_no_contact_and_keeps_what_is_counted_and_is_logged() -> None:
    # given
    call = called_back(seoul(2022, 5, 2), made=seoul(2022, 5, 1))
    not_reached = closed(seoul(2024, 1, 5))
    region, topic = call.region_id, call.topic_id

    # when
    result = retention_apply(dt.date(2026, 1, 1))

    # then
    assert sorted(result.callback_requests) == sorted([call.pk, not_reached.pk])
    call.refresh_from_db()
    not_reached.refresh_from_db()
    assert (call.name, call.phone, call.text) == ("", "", "")
    assert (not_reached.name, not_reached.phone, not_reached.close_note) == ("", "", ERASED)
    assert (call.region_id, call.topic_id, call.state) == (region, topic, "called_back")
    assert call.consultation_id is not None and call.erased_at is not None
    logged = AccessLog.objects.filter(action="delete", subject_type="callback_request")
    assert sorted(logged.values_list("subject_id", flat=True)) == sorted([call.pk, not_reached.pk])
    assert set(logged.values_list("subject_label", flat=True)) == {""}
    # and a second run finds nothing
    assert retention_apply(dt.date(2026, 1, 1)).callback_requests == []


def test_the_database_refuses_an_erased_request_that_still_holds_a_contact() -> None:
    request = closed(seoul(2024, 1, 5))

    with pytest.raises(IntegrityError), transaction.atomic():
        CallbackRequest.objects.filter(pk=request.pk).update(erased_at=timezone.now())


def test_the_dry_run_names_the_requests_by_number_of_row_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = closed(seoul(2020, 1, 5))

    call_command("apply_retention", "--dry-run")

    out = capsys.readouterr().out
    assert f"call-back requests to erase: 1 [{request.pk}]" in out
    assert "김순자" not in out and request.phone not in out
    request.refresh_from_db()
    assert request.erased_at is None and request.name == "김순자"


def test_the_desk_shows_an_erased_request_as_erased(client) -> None:  # noqa: ANN001
    request = closed(seoul(2020, 1, 5))
    callback_erase(request.pk)
    client.force_login(UserFactory(roles=["counselor"]))

    response = client.get(f"/consultations/requests/{request.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="request-erased"' in html and "파기했습니다" in html
    assert 'href="tel:' not in html
