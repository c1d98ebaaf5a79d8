"""정보주체 권리 요구: requests to see, correct, delete or stop processing one's data, recorded
with their 10-day deadline (Seoul dates), listed for administrators until answered (overdue
marked, and on their home page), answered once (a refusal with its reason, a granted deletion
through the retention's erasure), and answered from the system: the person's record as xlsx
with every access-log row about them, the download itself logged as an export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from base.exports import Purpose
from base.models import AccessLog
from base.services import access_log_record
from care.models import Episode
from consultations.rights import services
from consultations.rights.models import RightsRequest, due_for
from tests.care.visit_factories import VisitFactory
from tests.consultations.consultation_factories import ConsultationFactory
from tests.factories import EpisodeFactory, RecipientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/privacy-requests/"


@pytest.fixture
def admin() -> object:
    return UserFactory(username="admin1", roles=["administrator"])


@pytest.fixture
def admin_client(client: Client, admin: object) -> Client:
    client.force_login(admin)
    return client


def closed_recipient(**fields: object):  # noqa: ANN201
    person = RecipientFactory(**fields)
    EpisodeFactory(recipient=person, state=Episode.State.CLOSED)
    return person


def a_request(admin, person=None, *, kind="access", received_on=None, consultation=None):  # noqa: ANN001, ANN201
    return services.rights_request_create(
        actor=admin,
        kind=kind,
        received_on=received_on or timezone.localdate(),
        received_via=RightsRequest.Channel.PHONE,
        detail="제 기록을 보고 싶습니다",
        recipient=person,
        consultation=consultation,
    )


# --- deadlines ---------------------------------------------------------------------------


def test_the_deadline_is_ten_days_from_the_day_received(admin) -> None:  # noqa: ANN001
    request = a_request(admin, RecipientFactory(), received_on=dt.date(2026, 11, 20))

    assert request.due_on == dt.date(2026, 11, 30) == due_for(dt.date(2026, 11, 20))


def test_the_day_received_and_overdue_are_seoul_days(
    admin_client: Client, admin, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    # 16:30 UTC on 1 March is 01:30 on 2 March in Seoul
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC))
    page = admin_client.get(URL + "new/").content.decode()
    assert 'value="2026-03-02"' in page

    due_today = a_request(admin, RecipientFactory(), received_on=dt.date(2026, 2, 20))
    late = a_request(admin, RecipientFactory(), received_on=dt.date(2026, 2, 19))

    assert (due_today.due_on, due_today.is_overdue) == (dt.date(2026, 3, 2), False)
    assert (late.due_on, late.is_overdue) == (dt.date(2026, 3, 1), True)
    assert list(RightsRequest.objects.overdue()) == [late]


def test_a_request_received_in_the_future_is_refused(admin) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError) as error:
        a_request(admin, RecipientFactory(), received_on=timezone.localdate() + dt.timedelta(1))
    assert "received_on" in error.value.message_dict


def test_a_request_is_about_exactly_one_person(admin) -> None:  # noqa: ANN001
    with pytest.raises(IntegrityError), transaction.atomic():
        RightsRequest.objects.create(
            kind="access",
            received_on=dt.date(2026, 11, 2),
            due_on=dt.date(2026, 11, 12),
            received_via="phone",
            detail="x",
            created_by=admin,
        )


# --- the desk ----------------------------------------------------------------------------


def test_only_administrators_open_the_desk(client: Client, admin) -> None:  # noqa: ANN001
    request = a_request(admin, RecipientFactory())
    pages = [URL, URL + "new/", f"{URL}{request.pk}/", f"{URL}{request.pk}/record.xlsx"]
    assert all(client.get(page).status_code == 302 for page in pages)  # to the login page
    client.force_login(UserFactory(username="coordinator1", roles=["coordinator"]))
    assert [client.get(page).status_code for page in pages] == [403, 403, 403, 403]
    assert client.post(f"{URL}{request.pk}/", {"decision": "refused"}).status_code == 403


def test_an_unknown_request_is_404(admin_client: Client) -> None:
    assert admin_client.get(f"{URL}999999/").status_code == 404
    assert admin_client.get(f"{URL}999999/record.xlsx").status_code == 404


def test_recording_a_request_on_the_desk_stores_its_deadline(admin_client: Client) -> None:
    person = RecipientFactory()

    response = admin_client.post(
        URL + "new/",
        {
            "kind": "deletion",
            "person_kind": "recipient",
            "person_id": person.pk,
            "requester": "self",
            "received_on": "2026-11-20",
            "received_via": "in_person",
            "detail": "제 정보를 지워 주세요",
        },
    )

    stored = RightsRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{stored.pk}/"
    assert (stored.recipient, stored.due_on, stored.status) == (
        person,
        dt.date(2026, 11, 30),
        "open",
    )
    assert AccessLog.objects.filter(action="create", subject_id=person.pk).exists()


def test_a_request_about_an_unknown_person_is_a_400_naming_the_field(admin_client: Client) -> None:
    response = admin_client.post(
        URL + "new/",
        {
            "kind": "access",
            "person_kind": "consultation",
            "person_id": 987654,
            "requester": "self",
            "received_on": "2026-11-20",
            "received_via": "phone",
            "detail": "x",
        },
    )

    assert response.status_code == 400
    assert "person_id" in response.context["form"].errors
    assert not RightsRequest.objects.exists()


def test_open_requests_are_listed_with_the_overdue_marked_until_answered(
    admin_client: Client, admin
) -> None:  # noqa: ANN001
    late = a_request(admin, RecipientFactory(), received_on=timezone.localdate() - dt.timedelta(11))
    fresh = a_request(admin, RecipientFactory())

    page = admin_client.get(URL).content.decode()
    assert f"#{late.pk}" in page and f"#{fresh.pk}" in page
    assert page.count('class="overdue"') == 1
    home = admin_client.get("/").content.decode()
    assert "답변하지 않은 정보주체 권리 요구 2건" in home and "기한 지남 1건" in home

    services.rights_request_answer(actor=admin, request_id=late.pk, granted=True, answer="열람함")
    services.rights_request_answer(actor=admin, request_id=fresh.pk, granted=True, answer="열람함")

    assert "답변하지 않은 정보주체 권리 요구" not in admin_client.get("/").content.decode()


def test_the_queue_is_not_on_a_coordinators_home(client: Client, admin) -> None:  # noqa: ANN001
    a_request(admin, RecipientFactory())
    client.force_login(UserFactory(username="coordinator1", roles=["coordinator"]))

    assert "정보주체 권리 요구" not in client.get("/").content.decode()


# --- answers -----------------------------------------------------------------------------


def test_a_refusal_needs_its_reason(admin_client: Client, admin) -> None:  # noqa: ANN001
    request = a_request(admin, RecipientFactory(), kind="deletion")

    response = admin_client.post(
        f"{URL}{request.pk}/",
        {"decision": "refused", "answered_on": timezone.localdate().isoformat(), "answer": " "},
    )

    assert response.status_code == 400
    assert "answer" in response.context["form"].errors
    request.refresh_from_db()
    assert request.status == "open"


def test_a_request_is_answered_once(admin) -> None:  # noqa: ANN001
    request = a_request(admin, RecipientFactory(), kind="correction")
    services.rights_request_answer(
        actor=admin, request_id=request.pk, granted=True, answer="주소를 고쳤습니다"
    )

    with pytest.raises(ValidationError, match="이미 답변"):
        services.rights_request_answer(
            actor=admin, request_id=request.pk, granted=False, answer="다시"
        )


def test_a_granted_deletion_erases_the_person_with_the_retentions_function(
    admin_client: Client, admin
) -> None:  # noqa: ANN001
    person = closed_recipient(name="박순덕", phone="010-1111-2222")
    request = a_request(admin, person, kind="deletion")

    response = admin_client.post(
        f"{URL}{request.pk}/",
        {
            "decision": "granted",
            "answered_on": timezone.localdate().isoformat(),
            "answer": "식별 정보를 지웠습니다",
        },
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name.startswith("가명-") and person.phone == "" and person.pseudonymised_at
    request.refresh_from_db()
    assert (request.status, request.answered_by) == ("granted", admin)
    erased = AccessLog.objects.get(action="delete", subject_id=person.pk)
    assert erased.username == "admin1" and "박순덕" not in erased.subject_label


def test_a_deletion_is_not_granted_while_the_person_is_still_served(
    admin_client: Client, admin
) -> None:  # noqa: ANN001
    person = RecipientFactory(name="박순덕")
    EpisodeFactory(recipient=person, state=Episode.State.ACTIVE)
    request = a_request(admin, person, kind="deletion")

    response = admin_client.post(
        f"{URL}{request.pk}/",
        {"decision": "granted", "answered_on": timezone.localdate().isoformat(), "answer": "삭제"},
    )

    assert response.status_code == 400
    assert "진행 중인 돌봄 회차" in response.content.decode()
    person.refresh_from_db()
    request.refresh_from_db()
    assert (person.name, request.status) == ("박순덕", "open")


def test_a_consultation_clients_deletion_erases_that_consultation(admin) -> None:  # noqa: ANN001
    consultation = ConsultationFactory(person_name="홍길순")
    request = a_request(admin, consultation=consultation, kind="deletion")

    services.rights_request_answer(actor=admin, request_id=request.pk, granted=True, answer="삭제")

    consultation.refresh_from_db()
    assert consultation.person_name.startswith("가명-")
    assert consultation.person_contact == ""


# --- the person's record -----------------------------------------------------------------


def test_the_record_holds_the_persons_data_and_every_read_of_it_and_the_download_is_logged(
    admin_client: Client, admin
) -> None:  # noqa: ANN001
    person = RecipientFactory(name="박순덕", phone="010-1111-2222")
    VisitFactory(recipient=person, notes="점심 준비")
    ConsultationFactory(recipient=person, person_name="", summary="퇴원 뒤 돌봄 문의")
    reader = UserFactory(username="counselor7", roles=["counselor"])
    access_log_record(actor=reader, action="view", recipients=[person], path="/recipients/x/")
    other = RecipientFactory(name="다른사람")
    access_log_record(actor=reader, action="view", recipients=[other], path="/other/")
    request = a_request(admin, person)

    response = admin_client.get(f"{URL}{request.pk}/record.xlsx")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    book = load_workbook(BytesIO(response.content))
    text = {
        title: " ".join(str(c) for row in book[title].iter_rows(values_only=True) for c in row if c)
        for title in book.sheetnames
    }
    assert set(book.sheetnames) >= {"인적사항", "돌봄 회차", "방문", "상담", "동의", "접속기록"}
    assert "박순덕" in text["인적사항"] and "010-1111-2222" in text["인적사항"]
    assert "점심 준비" in text["방문"]
    assert "퇴원 뒤 돌봄 문의" in text["상담"]
    assert "counselor7" in text["접속기록"] and "/recipients/x/" in text["접속기록"]
    assert "/other/" not in text["접속기록"]
    exported = AccessLog.objects.filter(action="export", subject_id=person.pk)
    assert exported.count() == 1
    assert exported.get().username == "admin1"
    assert exported.get().purpose == "subject_request"


@pytest.mark.parametrize("purpose", [Purpose(""), Purpose("other", note="  ")])
def test_a_record_export_without_a_purpose_is_refused_as_every_export_is(
    admin, purpose: Purpose
) -> None:  # noqa: ANN001
    request = a_request(admin, RecipientFactory())

    with pytest.raises(ValueError, match="purpose|note"):
        services.rights_request_export_log(
            actor=admin, request=request, purpose=purpose, source_ip=None, path="/x/"
        )

    assert not AccessLog.objects.filter(action="export").exists()


def test_a_consultation_clients_record_export_is_logged_under_the_consultation(admin) -> None:  # noqa: ANN001
    consultation = ConsultationFactory(recipient=None, person_name="김익명")
    request = a_request(admin, consultation=consultation)

    services.rights_request_export_log(
        actor=admin,
        request=request,
        purpose=Purpose("subject_request"),
        source_ip="127.0.0.1",
        path="/privacy-requests/1/record.xlsx",
    )

    logged = AccessLog.objects.get(action="export")
    assert (logged.subject_type, logged.subject_id) == request.subject
    assert logged.subject_label == "김익명" and logged.purpose == "subject_request"


def test_a_request_named_by_a_recipients_consultation_is_the_recipients(admin) -> None:  # noqa: ANN001
    person = RecipientFactory()
    consultation = ConsultationFactory(recipient=person, person_name="")

    request = a_request(admin, consultation=consultation, kind="deletion")

    assert (request.recipient, request.consultation) == (person, None)


def test_the_list_takes_the_same_number_of_queries_for_many_requests(
    admin_client: Client, admin
) -> None:  # noqa: ANN001
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(URL).status_code == 200
        return len(captured)

    a_request(admin, RecipientFactory())
    services.rights_request_answer(
        actor=admin, request_id=a_request(admin, RecipientFactory()).pk, granted=True, answer="됨"
    )
    few = queries()
    for _ in range(5):
        a_request(admin, RecipientFactory())
        a_request(admin, consultation=ConsultationFactory())
    services.rights_request_answer(
        actor=admin, request_id=a_request(admin, RecipientFactory()).pk, granted=True, answer="됨"
    )

    assert queries() == few
