"""Satisfaction and outcome (만족도 조사): a short questionnaire asked at an episode's closure
or at its after-care call, by phone, on the tablet or in person.

The questionnaire is data and versioned: a published version is never edited (the answers
given to it keep their meaning); a change is a new version (``questionnaire_revise``). Each
response is fixed to the version it was asked with, and keeps its overall score on a 0–100
scale (점): the mean of its scale answers, each put on 0–100 as (score − min) ÷ (max − min)
× 100, so that versions with other scales still compare and the figure reads like the seed's
satisfaction measures (82점, 92.3점).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import RefusesResidentRegistrationNumbers
from base.roles import has_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class QuestionnaireQuerySet(models.QuerySet["Questionnaire"]):
    def published(self) -> QuestionnaireQuerySet:
        return self.filter(published_at__isnull=False)

    def current(self, code: str) -> Questionnaire | None:
        """The version of ``code`` asked now: the active published one."""
        return self.published().filter(code=code, is_active=True).first()


class Questionnaire(RefusesResidentRegistrationNumbers):
    """설문지: one version of a questionnaire. Published versions are never edited."""

    code = models.SlugField(_("코드"), max_length=40)
    version = models.PositiveSmallIntegerField(_("판"), default=1)
    title = models.CharField(_("제목"), max_length=200)
    description = models.TextField(_("안내문"), blank=True)
    is_active = models.BooleanField(
        _("사용 중"), default=False, help_text=_("한 설문지 코드에 사용 중인 판은 하나입니다.")
    )
    published_at = models.DateTimeField(_("게시 일시"), null=True, blank=True)
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now, editable=False)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("만족도 설문지")
        verbose_name_plural = _("만족도 설문지")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(is_active=True),
                name="questionnaire_one_active_version",
                violation_error_message=_("이 설문지에는 이미 사용 중인 판이 있습니다."),
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(published_at__isnull=False),
                name="questionnaire_active_is_published",
                violation_error_message=_("게시한 판만 사용할 수 있습니다."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Question(RefusesResidentRegistrationNumbers):
    """문항: a scale (e.g. 1–5 with labels at both ends) or free text."""

    class Kind(models.TextChoices):
        SCALE = "scale", _("척도")
        TEXT = "text", _("서술")

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("설문지"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    order = models.PositiveSmallIntegerField(_("순서"))
    # Stable across versions ("kindness" in v1 and v2), so that results can be compared.
    code = models.SlugField(_("문항 코드"), max_length=40)
    text = models.CharField(_("문항"), max_length=300)
    kind = models.CharField(_("유형"), max_length=10, choices=Kind.choices)
    scale_min = models.SmallIntegerField(_("최솟값"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("최댓값"), null=True, blank=True)
    min_label = models.CharField(_("최솟값 설명"), max_length=50, blank=True)
    max_label = models.CharField(_("최댓값 설명"), max_length=50, blank=True)
    required = models.BooleanField(_("필수"), default=True)
    # Whether the answer is part of the response's overall score (a scale question only).
    in_overall = models.BooleanField(_("종합 점수에 포함"), default=True)

    class Meta:
        verbose_name = _("설문 문항")
        verbose_name_plural = _("설문 문항")
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "order"], name="question_order_once"),
            models.UniqueConstraint(fields=["questionnaire", "code"], name="question_code_once"),
            models.CheckConstraint(
                condition=Q(
                    kind="scale",
                    scale_min__isnull=False,
                    scale_max__gt=models.F("scale_min"),
                )
                | Q(kind="text", scale_min__isnull=True, scale_max__isnull=True, in_overall=False),
                name="question_scale_has_bounds",
                violation_error_message=_(
                    "척도 문항은 최솟값보다 큰 최댓값이, 서술 문항은 척도가 없어야 합니다."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"

    def clean(self) -> None:
        # A published version is what answers were given to: it is never edited.
        if self.questionnaire_id and self.questionnaire.is_published:
            raise ValidationError(_("게시한 설문지의 문항은 고칠 수 없습니다. 새 판을 만드세요."))

    def points(self, score: int) -> Decimal:
        """A score on 0–100: (score − min) ÷ (max − min) × 100."""
        assert self.scale_min is not None and self.scale_max is not None
        span = Decimal(self.scale_max - self.scale_min)
        return Decimal(score - self.scale_min) * 100 / span


class SatisfactionResponseQuerySet(models.QuerySet["SatisfactionResponse"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> SatisfactionResponseQuerySet:
        """Coordinators and administrators read every response; a caregiver the ones they
        recorded; nobody else reads responses (managers read the aggregates)."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, "coordinator", "administrator"):
            return self
        if has_role(user, "caregiver"):
            return self.filter(asked_by=user)
        return self.none()


class SatisfactionResponse(RefusesResidentRegistrationNumbers):
    """One answered questionnaire for one episode, at closure or at the after-care call."""

    class Occasion(models.TextChoices):
        CLOSURE = "closure", _("종결 시")
        AFTERCARE = "aftercare", _("사후관리 시")

    class Channel(models.TextChoices):
        PHONE = "phone", _("전화")
        TABLET = "tablet", _("태블릿")
        IN_PERSON = "in_person", _("대면")

    class Respondent(models.TextChoices):
        PERSON = "person", _("본인")
        FAMILY = "family", _("가족")

    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("돌봄 회차"),
        on_delete=models.PROTECT,
        related_name="satisfaction_responses",
    )
    occasion = models.CharField(_("조사 시점"), max_length=10, choices=Occasion.choices)
    aftercare = models.ForeignKey(
        "care.AfterCareCheck",
        verbose_name=_("사후관리"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="satisfaction_responses",
    )
    channel = models.CharField(_("조사 방법"), max_length=10, choices=Channel.choices)
    respondent = models.CharField(_("응답자"), max_length=10, choices=Respondent.choices)
    respondent_relation = models.CharField(
        _("응답자 관계"), max_length=30, blank=True, help_text=_("가족이 답했을 때: 예) 딸")
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("설문지"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    answered_on = models.DateField(_("응답일"), default=timezone.localdate)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("조사한 계정"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    # 0–100 (점): the mean of the scale answers counted in the overall score, set when the
    # response is recorded (a response is never edited); empty when none was answered.
    overall_score = models.DecimalField(
        _("종합 점수"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Made by the client (the tablet): a retry of the same response returns the stored one.
    client_uuid = models.UUIDField(_("기록 ID"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now, editable=False)

    objects = SatisfactionResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("만족도 응답")
        verbose_name_plural = _("만족도 응답")
        ordering = ["-answered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "occasion"],
                name="satisfaction_once_per_occasion",
                violation_error_message=_("이 회차의 이 시점 만족도 조사는 이미 기록했습니다."),
            ),
            models.CheckConstraint(
                condition=~Q(respondent="family") | ~Q(respondent_relation=""),
                name="satisfaction_family_has_relation",
                violation_error_message=_("가족이 답했으면 관계를 적으세요."),
            ),
            models.CheckConstraint(
                condition=Q(aftercare__isnull=True) | Q(occasion="aftercare"),
                name="satisfaction_aftercare_link_on_aftercare",
            ),
            models.CheckConstraint(
                condition=Q(overall_score__isnull=True)
                | Q(overall_score__gte=0, overall_score__lte=100),
                name="satisfaction_overall_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["answered_on"], name="satisfaction_answered_on"),
            models.Index(fields=["asked_by", "answered_on"], name="satisfaction_asked_by"),
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.get_occasion_display()} ({self.answered_on})"


class SatisfactionAnswer(RefusesResidentRegistrationNumbers):
    """One question's answer: a score on its scale, or text."""

    response = models.ForeignKey(
        SatisfactionResponse,
        verbose_name=_("만족도 응답"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    question = models.ForeignKey(
        Question, verbose_name=_("문항"), on_delete=models.PROTECT, related_name="answers"
    )
    score = models.SmallIntegerField(_("점수"), null=True, blank=True)
    text = models.TextField(_("서술 응답"), blank=True)

    class Meta:
        verbose_name = _("만족도 답변")
        verbose_name_plural = _("만족도 답변")
        ordering = ["response", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="satisfaction_answer_once"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=False) | ~Q(text=""),
                name="satisfaction_answer_not_empty",
            ),
        ]
        indexes = [models.Index(fields=["question", "response"], name="satisfaction_answer_q")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score if self.score is not None else self.text[:20]}"
