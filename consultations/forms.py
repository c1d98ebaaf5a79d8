"""Forms of the counselors' desk (/consultations/). They validate input; the writes are
``consultations.services``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import Program, Region
from care import forms as care_forms
from care.forms import DATE_INPUT
from care.models import Recipient
from consultations.callbacks import selectors as callback_selectors
from consultations.callbacks.models import CallbackRequest
from consultations.filters import WelfareResourceFilter
from consultations.models import (
    Consultation,
    OutreachSession,
    Referral,
    ResourceCategory,
    WelfareResource,
)
from consultations.services import COUNSELING_PROGRAMS

User = AbstractBaseUser | AnonymousUser

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

# What the person agrees to when the box is ticked; the counselor may narrow it.
DEFAULT_CONSENT_SCOPE = _("의뢰 기관에 이름·연락처·상담 내용 제공 (서비스 연계 목적)")

# A service's error keys that are named differently on the desk's form.
SERVICE_ERROR_FIELDS = {
    "consent": "share_consent",
    "resource": "resources",
    "is_anonymous": "person_kind",
}


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """``care.forms.add_service_errors``, with the services' keys renamed to this form's."""
    if hasattr(exc, "error_dict"):
        exc = ValidationError(
            {SERVICE_ERROR_FIELDS.get(key, key): errors for key, errors in exc.error_dict.items()}
        )
    care_forms.add_service_errors(form, exc)


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def phone_digits(field: str) -> Replace:
    """A phone column without its hyphens and spaces, so that 01012345678 finds 010-1234-5678."""
    return Replace(Replace(field, Value("-"), Value("")), Value(" "), Value(""))


def _now_to_the_minute() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


# Who the person is: the three cases a consultation records (DESIGN §2).
PERSON_RECIPIENT = "recipient"
PERSON_NAMED = "named"
PERSON_ANONYMOUS = "anonymous"
PERSON_KINDS = [
    (PERSON_NAMED, _("이름·연락처")),
    (PERSON_RECIPIENT, _("등록된 돌봄대상자")),
    (PERSON_ANONYMOUS, _("익명")),
]


class ConsultationForm(forms.ModelForm):
    """상담기록, with the referrals chosen beside it. Saved through
    ``services.consultation_record`` and ``services.referral_create``, never ``save()``."""

    held_at = forms.DateTimeField(
        label=_("상담 일시"), initial=_now_to_the_minute, widget=DATETIME_INPUT
    )
    channel = forms.ChoiceField(
        label=_("상담 방법"), choices=Consultation.Channel.choices, widget=forms.RadioSelect
    )
    program = forms.ModelChoiceField(
        label=_("사업"),
        queryset=Program.objects.filter(code__in=COUNSELING_PROGRAMS, is_active=True),
        to_field_name="code",
        initial="care_info_counseling",
        empty_label=None,
    )
    person_kind = forms.ChoiceField(
        label=_("대상 구분"), choices=PERSON_KINDS, initial=PERSON_NAMED, widget=forms.RadioSelect
    )
    # Chosen through the recipient search; narrowed in __init__ to those the user may see.
    recipient = forms.ModelChoiceField(
        label=_("돌봄대상자"),
        queryset=Recipient.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    region = forms.ModelChoiceField(
        label=_("시·군"),
        queryset=Region.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label=_("모름·해당 없음"),
        help_text=_("등록된 대상자는 비우면 대상자의 시·군"),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("상담 주제"),
        # The top of the taxonomy: a topic says what the talk was about, not which service.
        queryset=ResourceCategory.objects.filter(is_active=True, parent__isnull=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    outcome = forms.ChoiceField(
        label=_("결과"),
        choices=Consultation.Outcome.choices,
        initial=Consultation.Outcome.INFORMED,
        widget=forms.RadioSelect,
        help_text=_("의뢰를 추가하면 '정보 제공'은 '기관 의뢰'로 저장됩니다."),
    )
    # The referral list the resource panel fills, one hidden input per resource. Every
    # resource is accepted here: the service says why a retired one cannot be referred to.
    resources = forms.ModelMultipleChoiceField(
        label=_("의뢰할 자원"),
        queryset=WelfareResource.objects.all(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    referral_follow_up_on = forms.DateField(
        label=_("의뢰 확인 예정일"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("이 날까지 기관의 수락·연계 여부를 확인합니다 (선택)."),
    )
    share_consent = forms.BooleanField(
        label=_("개인정보 제3자 제공 동의를 받았습니다"),
        required=False,
    )
    # Set when the form is opened from an outreach day's page (찾아가는 상담 회차).
    outreach_session = forms.ModelChoiceField(
        label=_("찾아가는 상담 회차"),
        queryset=OutreachSession.objects.select_related("site__region", "program"),
        required=False,
        widget=forms.HiddenInput,
    )

    # Set when the form is opened by taking a resident's call-back request (상담 신청): saving
    # links the consultation to it and marks it called back, in the same transaction.
    callback = forms.ModelChoiceField(
        label=_("상담 신청"),
        queryset=CallbackRequest.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Consultation
        fields = [
            "held_at", "channel", "program", "recipient", "person_name", "person_contact",
            "region", "topics", "summary", "outcome", "follow_up_on", "share_consent_scope",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "follow_up_on": DATE_INPUT,
        }
        labels = {
            "person_name": _("이름"),
            "person_contact": _("연락처"),
            "share_consent_scope": _("동의 범위"),
        }

    # Query parameters another page (a person's history) may hand over to prefill the form.
    PREFILL_FIELDS = ("recipient", "person_name", "person_contact", "region", "outreach_session")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.visible_to(user).select_related(  # type: ignore[attr-defined]
            "region"
        )
        self.fields["share_consent_scope"].initial = DEFAULT_CONSENT_SCOPE
        self.fields["callback"].queryset = callback_selectors.callback_request_list(user=user)  # type: ignore[attr-defined]

    @classmethod
    def prefill(cls, query: Any, user: User) -> dict[str, Any]:
        """Initial values found in a GET query; a recipient the user may not see is ignored."""
        initial: dict[str, Any] = {}
        recipient_id = digits_of(query.get("recipient", ""))[:18]
        recipient = (
            Recipient.objects.visible_to(user).filter(pk=int(recipient_id)).first()
            if recipient_id
            else None
        )
        if recipient is not None:
            initial.update(person_kind=PERSON_RECIPIENT, recipient=recipient.pk)
        elif query.get("person_name") or query.get("person_contact"):
            initial["person_name"] = query.get("person_name", "")[:50]
            initial["person_contact"] = query.get("person_contact", "")[:50]
        region = Region.objects.filter(code=query.get("region", ""), is_active=True).first()
        if region is not None:
            initial["region"] = region
        elif recipient is not None:
            initial["region"] = recipient.region
        session_id = digits_of(query.get("outreach_session", ""))[:18]
        session = (
            OutreachSession.objects.visible_to(user)
            .select_related("site__region", "program")
            .filter(pk=int(session_id))
            .first()
            if session_id
            else None
        )
        if session is not None:
            # A consultation of an outreach day: in person, on that day, at the site's 시·군.
            from consultations.outreach.services import session_moment

            initial.update(
                outreach_session=session.pk,
                channel=Consultation.Channel.OUTREACH,
                held_at=timezone.localtime(session_moment(session)),
                program=session.program,
            )
            initial.setdefault("region", session.site.region)
        callback_id = digits_of(query.get("callback", ""))[:18]
        callback = (
            callback_selectors.callback_request_list(user=user).open().filter(pk=int(callback_id))
            if callback_id
            else CallbackRequest.objects.none()
        ).first()
        if callback is not None:
            initial.update(cls.prefill_from_callback(callback))
        return initial

    @staticmethod
    def prefill_from_callback(callback: CallbackRequest) -> dict[str, Any]:
        """A call back of a resident's request: by phone, for 4-2's 돌봄종합정보상담, to the
        person and about what they wrote."""
        return {
            "callback": callback.pk,
            "channel": Consultation.Channel.PHONE,
            "program": "care_info_counseling",
            "person_kind": PERSON_NAMED,
            "person_name": callback.name,
            "person_contact": callback.phone,
            "region": callback.region,
            "topics": [callback.topic] if callback.topic_id else [],
            "summary": callback.text,
        }

    def selected_callback(self) -> CallbackRequest | None:
        value = str(self["callback"].value() or "")
        if not value.isdigit():
            return None
        return self.fields["callback"].queryset.filter(pk=int(value)).first()  # type: ignore[attr-defined]

    def selected_session(self) -> OutreachSession | None:
        value = str(self["outreach_session"].value() or "")
        if not value.isdigit():
            return None
        return self.fields["outreach_session"].queryset.filter(pk=int(value)).first()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("person_kind")
        if kind == PERSON_RECIPIENT:
            if not data.get("recipient"):
                self.add_error("recipient", _("돌봄대상자를 찾아 고르세요."))
            data["person_name"] = data["person_contact"] = ""
        elif kind == PERSON_NAMED:
            data["recipient"] = None
            if not data.get("person_name") and not data.get("person_contact"):
                self.add_error(
                    "person_name",
                    _("이름이나 연락처를 적으세요. 밝히지 않는 분이면 '익명'을 고르세요."),
                )
        elif kind == PERSON_ANONYMOUS:
            # An anonymous person's data goes nowhere, so there is nothing to consent to.
            data.update(recipient=None, person_name="", person_contact="", share_consent=False)
        if data.get("outcome") == Consultation.Outcome.FOLLOW_UP and not data.get("follow_up_on"):
            self.add_error("follow_up_on", _("추후 상담이 필요하면 추후 상담일을 정하세요."))
        if self.referring_identified_person() and not data.get("share_consent"):
            self.add_error(
                "share_consent",
                _(
                    "이름이나 연락처가 있는 사람을 기관에 의뢰하려면 개인정보 제3자 제공 동의를 "
                    "받고 체크하세요. 동의하지 않으면 의뢰를 빼고 기관 정보만 안내하세요."
                ),
            )
        if data.get("share_consent") and not data.get("share_consent_scope"):
            data["share_consent_scope"] = str(DEFAULT_CONSENT_SCOPE)
        held_at, check_on = data.get("held_at"), data.get("referral_follow_up_on")
        if held_at and check_on and check_on < timezone.localdate(held_at):
            self.add_error(
                "referral_follow_up_on", _("의뢰 확인 예정일은 상담일보다 빠를 수 없습니다.")
            )
        return data

    def referring_identified_person(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("resources")) and data.get("person_kind") != PERSON_ANONYMOUS

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``consultation_record`` takes it."""
        data = self.cleaned_data
        return {
            "held_at": data["held_at"],
            "channel": data["channel"],
            "program": data["program"],
            "recipient": data["recipient"],
            "is_anonymous": data["person_kind"] == PERSON_ANONYMOUS,
            "person_name": data["person_name"],
            "person_contact": data["person_contact"],
            "region": data["region"],
            "summary": data["summary"],
            "outcome": data["outcome"],
            "follow_up_on": data["follow_up_on"],
            # A scope without consent would read as if consent had been given.
            "share_consent_scope": data["share_consent_scope"] if data["share_consent"] else "",
            "outreach_session": data["outreach_session"],
        }

    def selected_resources(self) -> list[WelfareResource]:
        """The referral list as submitted, to show it again when the form comes back."""
        ids = [int(value) for value in self["resources"].value() or [] if str(value).isdigit()]
        if not ids:
            return []
        return list(WelfareResource.objects.filter(pk__in=ids).select_related("organization")[:50])

    def selected_recipient(self) -> Recipient | None:
        value = str(self["recipient"].value() or "")
        if not value.isdigit():
            return None
        return self.fields["recipient"].queryset.filter(pk=int(value)).first()  # type: ignore[attr-defined]


class ResourceFilter(WelfareResourceFilter):
    """The directory's filters on the desk: the API's search, region (province-wide resources
    included), category (with its children), target group and status."""

    DESK_FILTERS = ("search", "region", "category", "target_group", "status")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if name not in self.DESK_FILTERS:
                del self.filters[name]
        # The API's labels name the codes they take; a person picks by name.
        labels = {
            "search": _("검색어"),
            "region": _("시·군 (도 전역 포함)"),
            "category": _("분류"),
            "target_group": _("지원 대상"),
            "status": _("상태"),
        }
        for name, label in labels.items():
            if name in self.filters:
                self.filters[name].label = label
        for name in ("region", "category", "target_group", "status"):
            if name in self.filters:
                self.filters[name].extra["empty_label"] = _("전체")
        self.filters["search"].extra["widget"] = forms.TextInput(
            attrs={"placeholder": _("예: 돌봄, 도시락, 주거")}
        )

    def has_query(self) -> bool:
        """Whether any filter was given: an empty panel search lists nothing."""
        return self.is_bound and any(
            self.data.get(self.form.add_prefix(name)) for name in self.filters
        )


class ReferralResourceFilter(ResourceFilter):
    """The consultation form's search panel: only active resources can be referred to."""

    DESK_FILTERS = ("search", "region", "category", "target_group")


class ReferralTransitionForm(forms.Form):
    state = forms.ChoiceField(choices=Referral.State.choices)
    reason = forms.CharField(max_length=300, required=False)


class HistoryForm(forms.Form):
    """Whose history: a registered recipient, or a contact number (with or without hyphens)."""

    recipient = forms.ModelChoiceField(
        queryset=Recipient.objects.none(), required=False, widget=forms.HiddenInput
    )
    contact = forms.CharField(label=_("연락처"), max_length=50, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.visible_to(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("recipient") and not data.get("contact", "").strip():
            raise ValidationError(_("연락처를 적거나 대상자를 고르세요."))
        return data

    def consultations_of(self, consultations: QuerySet[Consultation]) -> QuerySet[Consultation]:
        recipient = self.cleaned_data.get("recipient")
        if recipient is not None:
            return consultations.filter(recipient=recipient)
        contact = self.cleaned_data["contact"].strip()
        digits = digits_of(contact)
        if not digits:
            return consultations.filter(person_contact=contact)
        return consultations.alias(contact_digits=phone_digits("person_contact")).filter(
            Q(contact_digits=digits) | Q(person_contact=contact)
        )
