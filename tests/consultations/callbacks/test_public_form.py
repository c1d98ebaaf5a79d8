"""The residents' request form (/find/request/): a request stored with its consent version, a
number shown only to its sender, and every refusal saying what to fix."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from consultations.callbacks.forms import phone_normalise
from consultations.callbacks.models import CallbackRequest
from tests.consultations.callbacks.factories import form_data
from tests.consultations.consultation_factories import WelfareResourceFactory, category

pytestmark = pytest.mark.django_db

FORM = "/find/request/"


def text(response: Any) -> str:
    return response.content.decode()


def post(client: Client, ip: str = "203.0.113.7", **overrides: Any) -> Any:
    return client.post(FORM, form_data(**overrides), REMOTE_ADDR=ip)


# --- the happy path ----------------------------------------------------------------------------


def test_the_form_opens_without_an_account_and_shows_the_consent_text_and_its_version(
    client: Client,
) -> None:
    response = client.get(FORM)

    assert response.status_code == 200
    page = text(response)
    assert "개인정보 수집·이용 동의" in page
    assert "동의하지 않을 권리" in page
    assert 'data-version="2026-1"' in page
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_request_is_stored_with_its_consent_and_answered_with_its_number(
    client: Client,
) -> None:
    response = post(client, phone="010 1234 5678")

    assert response.status_code == 302
    stored = CallbackRequest.objects.get()
    assert stored.state == CallbackRequest.State.NEW
    assert stored.phone == "010-1234-5678"
    assert stored.region.code == "jeonju"
    assert stored.topic == category("care")
    assert stored.consent_version == "2026-1"
    assert stored.consent_at is not None
    assert response["Location"] == f"/find/request/done/{stored.number}/"
    done = client.get(response["Location"])
    assert stored.number in text(done)


def test_the_answer_page_echoes_neither_name_nor_phone(client: Client) -> None:
    response = post(client, follow=None)
    done = text(client.get(response["Location"]))

    assert "김순자" not in done
    assert "1234-5678" not in done


def test_another_session_asking_for_a_real_number_learns_nothing(client: Client) -> None:
    response = post(client)
    number = CallbackRequest.objects.get().number

    stranger = Client().get(response["Location"])
    made_up = Client().get("/find/request/done/CB-ABCDEFGH/")

    assert stranger.status_code == made_up.status_code == 200
    assert number not in text(stranger)
    assert text(stranger).replace(number, "X") == text(made_up).replace("CB-ABCDEFGH", "X")


def test_request_numbers_are_unambiguous_and_not_in_sequence(client: Client) -> None:
    for index in range(3):
        post(client, phone=f"010-1234-000{index}")

    numbers = list(CallbackRequest.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 3
    for number in numbers:
        assert number.startswith("CB-") and len(number) == 11
        assert not set(number[3:]) & set("01OI")


def test_a_resource_page_link_fills_in_the_topic_and_a_first_sentence(client: Client) -> None:
    resource = WelfareResourceFactory(
        name="전주시 긴급돌봄 지원", category=category("care_emergency")
    )

    response = client.get(f"{FORM}?resource={resource.uuid}")

    page = text(response)
    assert "전주시 긴급돌봄 지원" in page
    assert '<option value="care" selected>' in page


def test_an_unpublished_resource_is_not_shown_on_the_form(client: Client) -> None:
    resource = WelfareResourceFactory(name="비공개 자원", is_published=False)

    response = client.get(f"{FORM}?resource={resource.uuid}")

    assert "비공개 자원" not in text(response)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01012345678", "010-1234-5678"),
        ("010.1234.5678", "010-1234-5678"),
        ("+82 10-1234-5678", "010-1234-5678"),
        ("011-123-4567", "011-123-4567"),
        ("(063) 123-4567", "063-123-4567"),
        ("02-123-4567", "02-123-4567"),
        ("0212345678", "02-1234-5678"),
        ("070-1234-5678", "070-1234-5678"),
    ],
)
def test_korean_phone_numbers_are_normalised(typed: str, stored: str) -> None:
    assert phone_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["1234", "010-12-34", "1588-1234", "+1 555 123 4567", "공일공"])
def test_what_is_not_a_korean_phone_number_is_refused(typed: str) -> None:
    assert phone_normalise(typed) is None


# --- refusals ----------------------------------------------------------------------------------


def refused(response: Any, field: str) -> str:
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert CallbackRequest.objects.count() == 0
    page = text(response)
    assert "신청하지 못했어요" in page
    return " ".join(response.context["form"].errors[field])


def test_a_resident_registration_number_in_the_text_is_refused_with_what_to_do(
    client: Client,
) -> None:
    message = refused(post(client, text="제 번호는 900101-1234567 입니다"), "text")

    assert "주민등록번호" in message


def test_a_resident_registration_number_as_the_name_is_refused(client: Client) -> None:
    assert "주민등록번호" in refused(post(client, name="9001011234567"), "name")


@pytest.mark.parametrize("link", ["http://spam.example", "www.spam.kr 방문", "싸다 cheap.com"])
def test_a_link_in_the_text_is_refused(client: Client, link: str) -> None:
    assert "주소" in refused(post(client, text=f"상담 원해요 {link}"), "text")


def test_a_link_in_the_name_is_refused(client: Client) -> None:
    assert "주소" in refused(post(client, name="bit.ly"), "name")


def test_a_text_over_1000_characters_is_refused_saying_how_long_it_is(client: Client) -> None:
    message = refused(post(client, text="가" * 1001), "text")

    assert "1000" in message and "1001" in message


def test_a_name_over_50_characters_is_refused(client: Client) -> None:
    assert "50" in refused(post(client, name="가" * 51), "name")


def test_a_bad_phone_number_is_refused_with_an_example(client: Client) -> None:
    assert "010-1234-5678" in refused(post(client, phone="12345"), "phone")


def test_a_request_without_consent_is_refused_and_offers_another_way(client: Client) -> None:
    message = refused(post(client, consent=None), "consent")

    assert "동의" in message and "전화나 방문" in message


def test_a_request_without_a_region_is_refused(client: Client) -> None:
    assert "시·군" in refused(post(client, region=""), "region")


def test_an_unknown_consent_version_asks_to_read_the_new_text(client: Client) -> None:
    assert "다시 동의" in refused(post(client, consent_version="1999-1"), "consent_version")


def test_a_refused_form_keeps_what_was_typed(client: Client) -> None:
    response = post(client, phone="12345", name="홍길순")

    assert 'value="홍길순"' in text(response)


def test_a_huge_body_is_refused_without_storing_anything(client: Client) -> None:
    response = client.post(FORM, form_data(text="가" * 20_000), REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 400
    assert CallbackRequest.objects.count() == 0


# --- the honeypot --------------------------------------------------------------------------


def test_a_filled_honeypot_is_dropped_silently(client: Client) -> None:
    response = post(client, homepage="http://spam.example")

    assert response.status_code == 302
    assert response["Location"].startswith("/find/request/done/CB-")
    assert CallbackRequest.objects.count() == 0
    done = text(client.get(response["Location"]))
    assert "다시 볼 수 없어요" in done


def test_the_honeypot_is_hidden_from_people(client: Client) -> None:
    page = text(client.get(FORM))

    assert '<div class="hp" aria-hidden="true">' in page
    assert 'tabindex="-1"' in page.split('class="hp"')[1].split("</div>")[0]
    assert 'autocomplete="off"' in page.split('class="hp"')[1].split("</div>")[0]


# --- rate limits -------------------------------------------------------------------------------


def test_a_sixth_request_from_one_address_in_an_hour_gets_429_and_a_human_page(
    client: Client, settings: Any
) -> None:
    settings.CARE_INFO_PHONE = "063-123-4567"
    for index in range(5):
        assert post(client, phone=f"010-1111-000{index}").status_code == 302

    response = post(client, phone="010-1111-0009")

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "063-123-4567" in text(response)
    assert "한 시간 뒤" in text(response)
    assert CallbackRequest.objects.count() == 5


def test_another_address_is_not_limited_by_the_first(client: Client) -> None:
    for index in range(5):
        post(client, phone=f"010-1111-000{index}")

    assert post(client, ip="203.0.113.8", phone="010-1111-0009").status_code == 302


def test_a_fourth_request_for_one_phone_in_a_day_gets_429(client: Client) -> None:
    for index in range(3):
        assert post(client, ip=f"203.0.113.{10 + index}").status_code == 302

    response = post(client, ip="203.0.113.20", phone="010.1234.5678")

    assert response.status_code == 429
    assert "phone" in response.context["form"].errors
    assert "오늘 이미" in text(response)
    assert CallbackRequest.objects.count() == 3


def test_ipv6_addresses_of_one_household_share_a_limit(client: Client) -> None:
    for index in range(5):
        post(client, ip=f"2001:db8:1:2::{index + 1}", phone=f"010-1111-000{index}")

    assert post(client, ip="2001:db8:1:2::99", phone="010-1111-0009").status_code == 429


REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/10",
        "KEY_PREFIX": "callbacks-test",
    }
}


@pytest.fixture
def redis_cache() -> Any:
    with override_settings(CACHES=REDIS_CACHE):
        cache = caches["default"]
        try:
            cache.clear()
        except Exception as exc:  # noqa: BLE001 (no Redis on this machine)
            pytest.skip(f"Redis on 127.0.0.1:6379/10 is not reachable: {exc}")
        yield cache
        cache.clear()


def test_the_limits_hold_in_real_redis(client: Client, redis_cache: Any) -> None:
    for index in range(3):
        assert post(client, ip=f"198.51.100.{index + 1}").status_code == 302
    assert post(client, ip="198.51.100.9").status_code == 429

    for index in range(5):
        post(client, ip="198.51.100.50", phone=f"010-3333-000{index}")
    assert post(client, ip="198.51.100.50", phone="010-3333-0009").status_code == 429

    keys = redis_cache._cache.get_client().keys("callbacks-test:*callbacks:limit*")
    assert keys, "the counters are in Redis"
    assert not any(b"1234" in key for key in keys), "phone numbers are not kept in the keys"


def test_without_a_desk_phone_set_the_pages_offer_no_number(client: Client, settings: Any) -> None:
    settings.CARE_INFO_PHONE = ""

    html = client.get("/find/request/").content.decode()

    assert 'href="tel:' not in html


def test_the_desk_phone_set_by_the_institute_is_offered_as_a_link(
    client: Client, settings: Any
) -> None:
    settings.CARE_INFO_PHONE = "063-123-4567"

    html = client.get("/find/request/").content.decode()

    assert '<a href="tel:0631234567">063-123-4567</a>' in html
