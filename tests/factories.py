"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from base.models import Program, Region, ServiceType
from care.models import (
    AfterCareCheck,
    Assignment,
    ConsentRecord,
    EligibilityCriterion,
    Episode,
    ExtensionRequest,
    FeeRule,
    IncomeBracket,
    ProgramRules,
    Recipient,
)
from volunteers.models import ComplianceRecord, ComplianceRequirement, CorpsMember

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


def region(code: str = "jeonju") -> Region:
    return Region.objects.get(code=code)


def service_type(code: str = "housework") -> ServiceType:
    return ServiceType.objects.get(code=code)


def program(code: str = "emergency_care") -> Program:
    return Program.objects.get(code=code)


class CorpsMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorpsMember
        skip_postgeneration_save = True

    name = factory.Iterator(["김영희", "이순자", "박정숙", "최미경", "정은주"])
    phone = factory.Sequence(lambda n: f"010-2{n % 1000:03d}-{n % 10000:04d}")
    region = factory.LazyFunction(region)
    status = CorpsMember.Status.ACTIVE
    joined_on = dt.date(2023, 1, 2)

    @factory.post_generation
    def compliant(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """A factory member holds every requirement seeded by volunteers 0004 (trainings,
        a passed criminal-record check, health check, insurance), valid whatever day a test
        pretends it is: the compliance rule applies from that migration on, and the tests of
        assignments and schedules are about other rules. ``compliant=False`` gives a member
        with no records (tests of the rule itself)."""
        if not create or extracted is False:
            return
        ComplianceRecord.objects.bulk_create(
            ComplianceRecord(
                corps_member=self,
                requirement=requirement,
                done_on=dt.date(2020, 1, 2),
                expires_on=dt.date(2099, 12, 31),
                result="pass" if requirement.records_result else "",
            )
            for requirement in ComplianceRequirement.objects.all()
        )


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"대상자{n}")
    birth_date = dt.date(1941, 3, 2)
    sex = Recipient.Sex.FEMALE
    phone = "063-123-4567"
    address = "전북특별자치도 완주군 봉동읍 봉동로 1"
    region = factory.LazyFunction(lambda: region("wanju"))
    admin_unit = "봉동읍"
    category = Recipient.Category.ELDERLY
    emergency_reason = Recipient.EmergencyReason.AFTER_DISCHARGE
    consent_date = dt.date(2023, 1, 10)
    consent_scope = "긴급돌봄 제공을 위한 수집·이용"
    status = Recipient.Status.ACTIVE

    @factory.post_generation
    def consents(obj: Recipient, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A consent date comes with its collection_use record, as the migration makes them
        (``consents=False`` for a person with the date only)."""
        if not create or obj.consent_date is None or extracted is False:
            return
        ConsentRecord.objects.create(
            recipient=obj,
            item=ConsentRecord.Item.COLLECTION_USE,
            text_version="legacy",
            given_on=obj.consent_date,
            method=ConsentRecord.Method.LEGACY,
        )


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    recipient = factory.SubFactory(RecipientFactory, consents=False)
    item = ConsentRecord.Item.THIRD_PARTY
    text_version = "2026-1"
    given_on = dt.date(2026, 12, 1)
    method = ConsentRecord.Method.IN_PERSON


class ProgramRulesFactory(factory.django.DjangoModelFactory):
    """The program's rules as the demo has them: 30 days, 72 hours, one extension."""

    class Meta:
        model = ProgramRules
        django_get_or_create = ("program",)

    program = factory.LazyFunction(program)
    max_days = 30
    max_hours = Decimal("72")
    extensions_allowed = 1
    extension_days = 15
    extension_hours = Decimal("36")
    warn_percent = 80
    aftercare_days = 14
    unit_cost_won = 15000
    budget_thousand_won = 80000
    national_share_percent = 50


class IncomeBracketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncomeBracket
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"bracket{n}")
    name = factory.LazyAttribute(lambda bracket: f"소득 {bracket.code}")


class FeeRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeRule

    program = factory.LazyFunction(program)
    income_bracket = factory.SubFactory(IncomeBracketFactory)
    copay_percent = 0
    basis = "기준 중위소득 이하 무료"


class EligibilityCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilityCriterion

    program = factory.LazyFunction(program)
    code = factory.Sequence(lambda n: f"criterion{n}")
    question = factory.LazyAttribute(lambda criterion: f"질문 {criterion.code}")
    answer_kind = EligibilityCriterion.AnswerKind.YES_NO
    eligible_answer = "yes"


class EpisodeFactory(factory.django.DjangoModelFactory):
    """An episode of a recipient. ``state`` decides which parts are filled: an approved,
    active or closed one has its period and limits (30 days, 72 hours from 2023-01-15)."""

    class Meta:
        model = Episode

    recipient = factory.SubFactory(RecipientFactory)
    program = factory.LazyFunction(program)
    state = Episode.State.ACTIVE
    referred_on = dt.date(2023, 1, 10)
    referral_source = Episode.ReferralSource.FAMILY
    emergency_reason = Recipient.EmergencyReason.AFTER_DISCHARGE
    starts_on = factory.LazyAttribute(
        lambda e: dt.date(2023, 1, 15) if e.state in ("approved", "active", "closed") else None
    )
    max_days = factory.LazyAttribute(lambda e: 30 if e.starts_on else None)
    max_hours = factory.LazyAttribute(lambda e: Decimal("72") if e.starts_on else None)
    planned_end_on = factory.LazyAttribute(
        lambda e: e.starts_on + dt.timedelta(days=e.max_days - 1) if e.starts_on else None
    )
    fee_class = factory.LazyAttribute(lambda e: Episode.FeeClass.FREE if e.starts_on else "")
    national_share_percent = factory.LazyAttribute(lambda e: 50 if e.starts_on else None)
    decision_reason = factory.LazyAttribute(
        lambda e: "소득 기준 초과" if e.state == "declined" else ""
    )
    closed_on = factory.LazyAttribute(lambda e: e.planned_end_on if e.state == "closed" else None)
    closure_reason = factory.LazyAttribute(
        lambda e: Episode.ClosureReason.RECOVERED if e.state == "closed" else ""
    )

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Episode:
        ProgramRulesFactory(program=kwargs["program"])
        return super()._create(model_class, *args, **kwargs)


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtensionRequest

    episode = factory.SubFactory(EpisodeFactory)
    reason = "회복이 늦어 돌봄이 더 필요함"
    extra_days = 15
    extra_hours = Decimal("36")


class AfterCareCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AfterCareCheck

    episode = factory.SubFactory(EpisodeFactory, state=Episode.State.CLOSED)
    due_on = factory.LazyAttribute(lambda c: c.episode.closed_on + dt.timedelta(days=14))


def episode_of(recipient: Recipient, *, starts_on: dt.date | None = None, **fields: Any) -> Episode:
    """The recipient's open episode, else a new active one (from ``starts_on``) with limits
    far enough away that tests of other things never meet them."""
    episode = Episode.objects.filter(recipient=recipient).open().first()
    if episode is not None:
        return episode
    start = starts_on or dt.date(2023, 1, 15)
    defaults: dict[str, Any] = {
        "state": Episode.State.ACTIVE,
        "referred_on": min(start, dt.date(2023, 1, 10)),
        "starts_on": start,
        "max_days": 366,
        "max_hours": Decimal("9999"),
    }
    defaults.update(fields)
    return EpisodeFactory(recipient=recipient, **defaults)


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An assignment within the recipient's open episode (an active one is made if none)."""

    class Meta:
        model = Assignment

    recipient = factory.SubFactory(RecipientFactory)
    corps_member = factory.SubFactory(CorpsMemberFactory)
    program = factory.LazyFunction(program)
    starts_on = dt.date(2023, 1, 15)
    ends_on = None
    episode = factory.LazyAttribute(
        lambda a: episode_of(a.recipient, starts_on=a.starts_on, program=a.program)
    )
