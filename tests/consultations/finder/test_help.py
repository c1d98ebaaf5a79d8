"""The questionnaire "어떤 도움을 받을 수 있나요?" (/find/help/): its matching rules (region
served, age range, target groups, situations, income brackets) and the reasons it gives."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.finder.selectors import Recommendation
from consultations.models import WelfareResource
from tests.consultations.finder.factories import public_resource

pytestmark = pytest.mark.django_db

HELP = reverse("finder:help")


def ask(client: Client, **answers: Any) -> Any:
    answers.setdefault("region", "jeonju")
    return client.get(HELP, answers)


def recommended(response: Any) -> list[str]:
    return [item.resource.name for item in response.context["recommendations"]]


def reasons_of(response: Any, name: str) -> Recommendation:
    return next(i for i in response.context["recommendations"] if i.resource.name == name)


def test_the_questionnaire_opens_as_a_form_without_login(client: Client) -> None:
    response = client.get(HELP)

    body = response.content.decode()
    assert response.status_code == 200
    assert "recommendations" not in response.context
    for text in ("주 돌봄자의 갑작스런 질병·부상", "혼자 사는 분", "기초생활수급", "해당 없음",
                 "잘 모름", "어르신 (65세 이상)"):  # fmt: skip
        assert text in body, text
    assert "csrfmiddlewaretoken" not in body


def test_an_answer_without_a_region_or_with_bad_codes_is_sent_back_with_errors(
    client: Client,
) -> None:
    response = client.get(HELP, {"region": "", "situation": "flying", "income": "rich"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"region", "situation", "income"}
    assert "고쳐야 할 곳이 있어요" in response.content.decode()


def test_only_resources_serving_the_residents_region_are_recommended(client: Client) -> None:
    public_resource(name="전주 것", regions=("jeonju",))
    public_resource(name="도 전역 것", regions=(), province_wide=True)
    public_resource(name="완주 것", regions=("wanju",))
    public_resource(name="숨긴 것", regions=("jeonju",), is_published=False)

    response = ask(client)

    assert recommended(response) == ["전주 것", "도 전역 것"]
    assert "전주시에서 이용할 수 있어요" in reasons_of(response, "전주 것").reasons
    assert reasons_of(response, "도 전역 것").reasons[0].startswith("도 전역에서")


def test_the_age_group_keeps_resources_whose_age_range_overlaps_it(client: Client) -> None:
    public_resource(name="어르신", min_age=65, target_groups=("elderly",))
    public_resource(name="64세까지", max_age=64, target_groups=("disabled",))
    public_resource(name="아무나", target_groups=("everyone",))
    public_resource(name="노인 대상", target_groups=("elderly",))

    senior = ask(client, age_group="senior")
    adult = ask(client, age_group="adult")

    assert recommended(senior) == ["어르신", "노인 대상", "아무나"]
    assert sorted(recommended(adult)) == sorted(["64세까지", "아무나", "노인 대상"])
    assert "나이에 맞아요: 어르신 (65세 이상)" in reasons_of(senior, "어르신").reasons
    assert not any(r.startswith("나이") for r in reasons_of(senior, "아무나").reasons)


def test_chosen_situations_require_a_match_and_rank_by_how_many_match(client: Client) -> None:
    public_resource(name="둘 다", tags=("carer_illness", "after_discharge"))
    public_resource(name="하나", tags=("after_discharge",))
    public_resource(name="다른 상황", tags=("housing",))
    public_resource(name="태그 없음")

    response = ask(client, situation=["carer_illness", "after_discharge"])

    assert recommended(response) == ["둘 다", "하나"]
    reasons = reasons_of(response, "둘 다").reasons
    assert "지금 상황에 맞아요: 주 돌봄자의 갑작스런 질병·부상" in reasons
    assert "지금 상황에 맞아요: 퇴원 후 돌봄이 필요한 분" in reasons


def test_without_a_situation_every_resource_of_the_region_is_listed(client: Client) -> None:
    public_resource(name="상황 있음", tags=("housing",))
    public_resource(name="상황 없음")

    assert sorted(recommended(ask(client))) == ["상황 없음", "상황 있음"]


def test_a_resource_with_income_brackets_fits_only_a_resident_in_one_of_them(
    client: Client,
) -> None:
    public_resource(name="수급자용", tags=("basic_livelihood", "near_poor"))
    public_resource(name="소득 무관")

    in_bracket = ask(client, income="near_poor")
    other_bracket = ask(client, income="median_income_limited")
    none = ask(client, income="none")

    assert recommended(in_bracket) == ["수급자용", "소득 무관"]
    assert "소득 기준에 맞아요: 차상위계층" in reasons_of(in_bracket, "수급자용").reasons
    assert recommended(other_bracket) == ["소득 무관"]
    assert recommended(none) == ["소득 무관"]
    assert "소득과 관계없이 신청할 수 있어요" in reasons_of(none, "소득 무관").reasons


def test_a_resident_who_does_not_know_their_income_still_sees_limited_ones_lower(
    client: Client,
) -> None:
    public_resource(name="가 수급자용", tags=("basic_livelihood", "living_alone"))
    public_resource(name="나 소득 무관", tags=("living_alone",))

    response = ask(client, income="unknown", situation=["living_alone"])

    assert recommended(response) == ["나 소득 무관", "가 수급자용"]
    limited = reasons_of(response, "가 수급자용")
    assert limited.check_income
    assert any("소득 기준이 있어요 (기초생활수급)" in reason for reason in limited.reasons)
    assert "전화로 확인해 보세요" in response.content.decode()


def test_a_further_situation_matched_outweighs_being_local_and_naming_the_age(
    client: Client,
) -> None:
    public_resource(
        name="긴급돌봄지원", regions=(), province_wide=True, tags=("carer_illness", "living_alone")
    )
    public_resource(
        name="전주 노인복지관 돌봄",
        regions=("jeonju",),
        tags=("living_alone",),
        min_age=65,
        target_groups=("elderly",),
    )

    response = ask(client, situation=["carer_illness", "living_alone"], age_group="senior")

    assert recommended(response)[0] == "긴급돌봄지원"


def test_nothing_matching_says_so_and_offers_a_call_back_or_a_search(client: Client) -> None:
    public_resource(name="주거", tags=("housing",))

    response = ask(client, situation=["child_care"])

    body = response.content.decode()
    assert response.status_code == 200
    assert recommended(response) == []
    assert "딱 맞는 자원을 찾지 못했어요" in body
    assert f"{reverse('finder:home')}?region=jeonju" in body


def test_the_results_show_the_answers_and_the_form_again_to_change_them(client: Client) -> None:
    public_resource(name="돌봄", tags=("carer_illness",))

    body = ask(client, situation=["carer_illness"], age_group="senior").content.decode()

    assert "전주시" in body and "어르신 (65세 이상)" in body
    assert 'value="carer_illness" checked' in body or "checked" in body
    assert "왜 추천하나요?" in body


def test_the_results_cost_the_same_queries_for_one_or_twenty_matches(client: Client) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            ask(client, situation=["carer_illness"], income="unknown", age_group="senior")
        return len(captured)

    public_resource(name="하나", tags=("carer_illness", "basic_livelihood"))
    one = queries()
    for number in range(19):
        public_resource(
            name=f"여럿 {number}", regions=("jeonju", "wanju"), tags=("carer_illness", "near_poor")
        )

    assert queries() == one


def test_the_results_are_paged(client: Client) -> None:
    for number in range(23):
        public_resource(name=f"돌봄 {number:02d}")

    first = ask(client)
    second = ask(client, page=2)

    assert len(first.context["recommendations"]) == 20
    assert len(second.context["recommendations"]) == 3
    assert "23건" in first.content.decode()
    assert len(ask(client, page="9" * 30).context["recommendations"]) == 3


def test_only_public_resources_are_ever_recommended(client: Client) -> None:
    public_resource(name="중단", status=WelfareResource.Status.TEMPORARILY_CLOSED)
    public_resource(name="비공개", is_published=False)

    assert recommended(ask(client)) == []
