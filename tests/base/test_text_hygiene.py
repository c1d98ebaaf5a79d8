"""Korean text normalised and resident registration numbers refused, whatever their form
(issue 10, items 3 and 4): one detector, one normaliser, applied to every text field of every
model of the project by one mechanism (a pre_save receiver), and to every input on its way in
(the API's JSON parser, the query string and form posts)."""

from __future__ import annotations

import hashlib
import itertools
import unicodedata
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from rest_framework.test import APIClient

from base.devices import services as device_services
from base.fields import MachineTokenField
from base.models import AccessLog
from base.signals import _is_project_app
from base.validators import contains_resident_registration_number
from care.models import Recipient, Visit
from tests.care.visit_factories import VisitExceptionFactory, VisitFactory
from tests.factories import RecipientFactory, UserFactory

PROJECT_APPS = ("base", "volunteers", "care", "consultations", "kpi", "notifications")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- the detector ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "900101-1234567",
        "9001011234567",
        "900101 1234567",
        "９００１０１－１２３４５６７",  # fullwidth digits and hyphen
        "900101—1234567",  # em dash
        "900101–1234567",  # en dash
        "900101.1234567",
        "900101_1234567",
        "900101-1 234567",  # a space inside the back part
        "900101 - 1234567",
        "주민번호 010203-4123456 입니다",
    ],
)
def test_the_detector_finds_a_resident_registration_number_in_any_form(text: str) -> None:
    assert contains_resident_registration_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "010-1234-5678",  # a mobile phone number
        "063-123-4567",
        "2023.01.10 방문",
        "901301-1234567",  # no 13th month
        "900132-1234567",  # no 32nd day
        "900101-9234567",  # no person alive was born in the 1800s
        "900101-0234567",
        "계좌 123456-12-123456",
        "1234567890123456",  # a card-like run of digits, not 6+7
    ],
)
def test_the_detector_leaves_other_numbers_alone(text: str) -> None:
    assert not contains_resident_registration_number(text)


# --- one mechanism for every model's text fields ---------------------------------------------


def _text_fields() -> list[tuple[type[models.Model], models.Field]]:
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, MachineTokenField):
                continue
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                found.append((model, field))
    return found


def test_the_project_has_text_fields_to_walk() -> None:
    fields = {f"{model._meta.label}.{field.name}" for model, field in _text_fields()}

    assert {"care.Visit.void_reason", "care.VisitException.resolution"} <= fields
    assert {"kpi.ManualEntry.evidence", "consultations.ReferralStateChange.reason"} <= fields


@pytest.mark.parametrize(
    ("model", "field"),
    _text_fields(),
    ids=lambda value: value.__name__ if isinstance(value, type) else getattr(value, "name", ""),
)
def test_every_text_field_of_every_model_refuses_a_resident_registration_number(
    model: type[models.Model], field: models.Field
) -> None:
    # given a record of the model whose text field holds an RRN (in fullwidth digits)
    instance = model()
    setattr(instance, field.attname, "９００１０１－１２３４５６７")

    # when it is about to be saved, by any code path that saves one row
    with pytest.raises(ValidationError) as refused:
        pre_save.send(sender=model, instance=instance, raw=False, using="default")

    # then it is refused, naming the field
    assert field.name in refused.value.message_dict


def _machine_token_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for field in model._meta.concrete_fields
        if isinstance(field, MachineTokenField)
    ]


def test_only_what_no_person_types_is_left_to_the_machine() -> None:
    # The exemption from the text rules is for digests and nonces the application writes: a
    # field a form or the admin could offer for typing must not carry it.
    fields = _machine_token_fields()

    assert {f"{model._meta.label}.{field.name}" for model, field in fields} == {
        "base.AccessLog.prev_hash",
        "base.AccessLog.row_hash",
        "base.AccessLogPurge.last_hash",
        "base.EnrolledTablet.credential_hash",
        "base.EnrolledTablet.enrolment_code_hash",
        "consultations.ReviewInvitation.nonce",
    }
    assert [field.name for model, field in fields if field.editable] == []


def _secret_whose_digest_looks_like_a_registration_number() -> str:
    # About one SHA-256 in 300 holds 13 digits shaped like an RRN (this is what once failed a
    # tablet's enrolment in CI); the first such secret is found in a few hundred tries.
    return next(
        secret
        for secret in (f"tablet-secret-{n}" for n in itertools.count())
        if contains_resident_registration_number(hashlib.sha256(secret.encode()).hexdigest())
    )


@pytest.mark.django_db
def test_a_tablet_whose_credential_digest_looks_like_a_registration_number_is_enrolled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a coordinator's one-time code, and the secret the tablet is about to be given
    secret = _secret_whose_digest_looks_like_a_registration_number()
    monkeypatch.setattr(device_services.secrets, "token_urlsafe", lambda nbytes: secret)
    coordinator = UserFactory(roles=["coordinator"])
    code = device_services.enrolment_code_create(name="완주 3번", by=coordinator)

    # when the tablet uses the code
    tablet, credential = device_services.tablet_enrol(code.code)

    # then it is enrolled and its credential lets it in
    assert credential == secret
    assert device_services.tablet_for_credential(secret) == tablet


def test_an_access_log_hash_that_looks_like_a_registration_number_passes_the_text_rules() -> None:
    digest = hashlib.sha256(_secret_whose_digest_looks_like_a_registration_number().encode())
    row = AccessLog(prev_hash=digest.hexdigest(), row_hash=digest.hexdigest())

    pre_save.send(sender=AccessLog, instance=row, raw=False, using="default")

    assert row.row_hash == digest.hexdigest()


def test_text_is_stored_in_nfc_without_invisible_characters() -> None:
    instance = Visit(notes=nfd("할머니 댁") + "\u200b", void_reason="\u202e중복")

    pre_save.send(sender=Visit, instance=instance, raw=False, using="default")

    assert instance.notes == "할머니 댁"
    assert instance.void_reason == "중복"


# --- through the API --------------------------------------------------------------------------


def recipient_payload(**overrides: Any) -> dict[str, Any]:
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


@pytest.mark.django_db
def test_a_name_typed_in_decomposed_form_is_still_a_duplicate(coordinator_api: APIClient) -> None:
    assert coordinator_api.post("/api/v1/recipients/", recipient_payload()).status_code == 201

    response = coordinator_api.post("/api/v1/recipients/", recipient_payload(name=nfd("홍길순")))

    assert response.status_code == 409, response.content


@pytest.mark.django_db
def test_a_decomposed_admin_unit_is_still_rural(coordinator_api: APIClient) -> None:
    response = coordinator_api.post(
        "/api/v1/recipients/", recipient_payload(admin_unit=nfd("봉동읍"))
    )

    assert response.status_code == 201, response.content
    assert Recipient.objects.get().is_rural is True


@pytest.mark.django_db
def test_a_decomposed_search_term_finds_the_name(coordinator_api: APIClient) -> None:
    RecipientFactory(name="김말순")

    response = coordinator_api.get("/api/v1/recipients/", {"search": nfd("말순")})

    assert [row["name"] for row in response.json()["results"]] == ["김말순"]


@pytest.mark.django_db
def test_zero_width_and_bidi_characters_are_stripped_from_a_name(
    coordinator_api: APIClient,
) -> None:
    response = coordinator_api.post(
        "/api/v1/recipients/", recipient_payload(name="홍\u200b길\u202e순\ufeff")
    )

    assert response.status_code == 201, response.content
    assert Recipient.objects.get().name == "홍길순"


@pytest.mark.django_db
def test_a_void_reason_with_a_resident_registration_number_is_a_400(
    coordinator_api: APIClient,
) -> None:
    visit = VisitFactory()

    response = coordinator_api.post(
        f"/api/v1/visits/{visit.pk}/void/", {"reason": "중복 900101－1234567"}, format="json"
    )

    assert response.status_code == 400, response.content
    visit.refresh_from_db()
    assert visit.status != Visit.Status.VOID


@pytest.mark.django_db
def test_an_exception_resolution_with_a_resident_registration_number_is_a_400(
    coordinator_api: APIClient,
) -> None:
    exception = VisitExceptionFactory()

    response = coordinator_api.post(
        f"/api/v1/visit-exceptions/{exception.pk}/resolve/",
        {"resolution": "확인 900101 1234567"},
        format="json",
    )

    assert response.status_code == 400, response.content
    exception.refresh_from_db()
    assert exception.resolved_at is None


@pytest.mark.parametrize(
    ("app_label", "checked"),
    [("care", True), ("volunteers", True), ("kpi", True), ("auth", False), ("axes", False)],
)
def test_only_the_projects_own_models_are_checked(app_label: str, checked: bool) -> None:
    # Django's and django-axes' models hold hashes (a password's, a session's) in which 13
    # digits in a row turn up by chance; the virtualenv may sit inside the repository.
    assert _is_project_app(app_label) is checked


def test_a_password_hash_that_looks_like_a_number_is_stored() -> None:
    user = User(username="hash", password="pbkdf2_sha256$1$salt$900101-1234567")

    pre_save.send(sender=User, instance=user, raw=False, using="default")

    assert user.password.endswith("900101-1234567")
