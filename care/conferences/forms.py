"""The desk's conference form: the conference itself and three formsets (attendees, episodes
discussed, action items), each with blank rows to fill, so that it works without JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from care.conferences.models import CaseConferenceAttendee
from care.conferences.services import OWNER_ROLES
from care.episodes.models import Episode

User = get_user_model()
Organization = CaseConferenceAttendee._meta.get_field("organization").related_model
STAFF_ROLES = ("coordinator", "counselor", "administrator", "manager")


def staff_users(roles: tuple[str, ...] = STAFF_ROLES) -> QuerySet[Any]:
    return (
        User.objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class EpisodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.recipient.name} · {obj.get_state_display()} · {obj.referred_on:%Y-%m-%d}"


class ConferenceForm(forms.Form):
    held_on = forms.DateField(label=_("회의일"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("회의 제목"), max_length=200)
    place = forms.CharField(label=_("장소"), max_length=200, required=False)
    chair = StaffChoiceField(queryset=User.objects.none(), label=_("사회자"))
    decisions = forms.CharField(
        label=_("결정 사항"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = staff_users()


class AttendeeRowForm(forms.Form):
    user = StaffChoiceField(
        queryset=User.objects.none(),
        label=_("직원"),
        required=False,
        empty_label=_("(외부 참석자)"),
    )
    name = forms.CharField(label=_("외부 참석자 이름"), max_length=50, required=False)
    role = forms.CharField(label=_("직책·역할"), max_length=50, required=False)
    organization = forms.ModelChoiceField(
        queryset=Organization._default_manager.none(), label=_("소속 기관"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users()
        self.fields["organization"].queryset = Organization._default_manager.order_by(
            "-is_partner", "name"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("user") and (data.get("name") or "").strip():
            self.add_error("name", _("직원 참석자에게는 이름을 따로 적지 않습니다."))
        elif self.has_changed() and not data.get("user") and not (data.get("name") or "").strip():
            self.add_error("name", _("직원을 고르거나 외부 참석자의 이름을 적으세요."))
        return data


class EpisodeRowForm(forms.Form):
    episode = EpisodeChoiceField(queryset=Episode.objects.none(), label=_("돌봄 회차"))
    notes = forms.CharField(
        label=_("논의 내용"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["episode"].queryset = (
            Episode.objects.visible_to(user)
            .exclude(state__in=[Episode.State.DECLINED, Episode.State.WITHDRAWN])
            .select_related("recipient")
            .order_by("recipient__name", "-referred_on")
        )


class ActionItemRowForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=_("할 일"), max_length=300)
    owner = StaffChoiceField(queryset=User.objects.none(), label=_("담당자"))
    due_on = forms.DateField(label=_("기한"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users(OWNER_ROLES)


# Blank rows offered: a typical conference has a handful of attendees and actions.
# A row already saved is removed by ticking its "삭제" box.
AttendeeFormSet = forms.formset_factory(AttendeeRowForm, extra=4, can_delete=True)
EpisodeFormSet = forms.formset_factory(EpisodeRowForm, extra=3, can_delete=True)
ActionItemFormSet = forms.formset_factory(ActionItemRowForm, extra=3, can_delete=True)


def filled_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The rows to keep: those saved before and those filled in now, less the ones ticked for
    removal (blank extra rows are left out)."""
    initial = set(map(id, formset.initial_forms))
    rows = []
    for form in formset.forms:
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if not form.cleaned_data or not (id(form) in initial or form.has_changed()):
            continue
        rows.append({k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
    return rows


class ActionItemDoneForm(forms.Form):
    next = forms.CharField(required=False, widget=forms.HiddenInput)
