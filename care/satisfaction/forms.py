"""The survey form (desk and tablet), built from a questionnaire version, and the results
filter of the desk."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care.forms import DATE_INPUT
from care.satisfaction.models import Question, Questionnaire, SatisfactionResponse
from care.satisfaction.selectors import GROUPINGS


def _question_field(question: Question) -> forms.Field:
    if question.kind == Question.Kind.SCALE:
        assert question.scale_min is not None and question.scale_max is not None
        choices = []
        for score in range(question.scale_min, question.scale_max + 1):
            label = str(score)
            if score == question.scale_min and question.min_label:
                label = f"{score} ({question.min_label})"
            elif score == question.scale_max and question.max_label:
                label = f"{score} ({question.max_label})"
            choices.append((str(score), label))
        return forms.TypedChoiceField(
            label=f"{question.order}. {question.text}",
            choices=choices,
            coerce=int,
            required=question.required,
            empty_value=None,
            widget=forms.RadioSelect,
        )
    return forms.CharField(
        label=f"{question.order}. {question.text}",
        required=question.required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(forms.Form):
    """One response: how and to whom it was asked, then one field per question
    (``q<order>``). The questions' answers become the service's ``answers`` in the
    questionnaire's order, so that its ``answers[i]`` errors land on their fields."""

    channel = forms.ChoiceField(
        label=_("조사 방법"), choices=SatisfactionResponse.Channel.choices, initial="phone"
    )
    respondent = forms.ChoiceField(
        label=_("응답자"),
        choices=SatisfactionResponse.Respondent.choices,
        initial="person",
        widget=forms.RadioSelect,
    )
    respondent_relation = forms.CharField(
        label=_("응답자 관계"),
        required=False,
        max_length=30,
        help_text=_("가족이 답했을 때: 예) 딸, 배우자"),
    )
    answered_on = forms.DateField(
        label=_("응답일"), widget=DATE_INPUT, initial=timezone.localdate, required=False
    )

    def __init__(
        self,
        *args: Any,
        questionnaire: Questionnaire,
        channels: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.questions = list(questionnaire.questions.order_by("order"))
        if channels is not None:
            field = self.fields["channel"]
            field.choices = [c for c in field.choices if c[0] in channels]  # type: ignore[attr-defined]
            field.initial = channels[0]
        for question in self.questions:
            self.fields[self.field_name(question)] = _question_field(question)

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q{question.order}"

    def question_fields(self) -> list[forms.BoundField]:
        return [self[self.field_name(question)] for question in self.questions]

    def plain_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in ("channel", "respondent", "respondent_relation", "answered_on")
        ]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers = []
        for question in self.questions:
            value = data.get(self.field_name(question))
            if question.kind == Question.Kind.SCALE:
                answers.append({"question": question.pk, "score": value})
            else:
                answers.append({"question": question.pk, "text": value or ""})
        return {
            "channel": data["channel"],
            "respondent": data["respondent"],
            "respondent_relation": data.get("respondent_relation", ""),
            "answered_on": data.get("answered_on") or None,
            "questionnaire": self.questionnaire,
            "answers": answers,
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's errors on their fields: ``answers[i].score`` on question i's."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            name: str | None = key if key in self.fields else None
            if key.startswith("answers["):
                index = int(key[len("answers[") : key.index("]")])
                if 0 <= index < len(self.questions):
                    name = self.field_name(self.questions[index])
            self.add_error(name, messages)


class ResultsFilterForm(forms.Form):
    year = forms.IntegerField(label=_("연도"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=_("월"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("한 해 전체")), *[(str(m), f"{m}") for m in range(1, 13)]],
    )
    by = forms.ChoiceField(
        label=_("묶음"),
        choices=[
            (GROUPINGS[0], _("사업")),
            (GROUPINGS[1], _("시·군")),
            (GROUPINGS[2], _("단원")),
        ],
        initial="program",
    )
