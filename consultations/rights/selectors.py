"""Reads of the rights requests: the administrators' queue and a person's whole record (the
answer to a request to see one's data: details, episodes, visits, consultations, consents and
every access-log row about them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from base.models import AccessLog
from care.models import Episode, Visit
from consultations.models import Consultation
from consultations.rights.models import RightsRequest


def open_requests() -> QuerySet[RightsRequest]:
    """Unanswered requests, the nearest deadline first."""
    return (
        RightsRequest.objects.open()
        .select_related("recipient", "consultation", "consultation__recipient")
        .order_by("due_on", "id")
    )


def answered_requests(limit: int = 20) -> list[RightsRequest]:
    return list(
        RightsRequest.objects.exclude(status=RightsRequest.Status.OPEN)
        .select_related("recipient", "consultation", "consultation__recipient", "answered_by")
        .order_by("-answered_on", "-id")[:limit]
    )


@dataclass(frozen=True)
class QueueCounts:
    open: int
    overdue: int


def queue_counts() -> QueueCounts:
    """For the administrators' home page: open requests and those past their deadline."""
    today = timezone.localdate()
    rows = RightsRequest.objects.open()
    return QueueCounts(open=rows.count(), overdue=rows.filter(due_on__lt=today).count())


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[object]] = field(default_factory=list)


def _local(moment: object) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""  # type: ignore[arg-type]


def person_record(request: RightsRequest) -> list[Section]:
    """The person's record as sections of rows (one sheet each in the workbook)."""
    sections: list[Section] = []
    if request.recipient_id:
        person = request.recipient
        details = Section(_("인적사항"), [_("항목"), _("내용")])
        for name in (
            "name", "birth_date", "sex", "phone", "address", "region", "admin_unit", "category",
            "emergency_reason", "guardian_name", "guardian_relation", "guardian_phone",
            "risk_level", "status", "notes",
        ):  # fmt: skip
            model_field = person._meta.get_field(name)  # type: ignore[union-attr]
            value = getattr(person, f"get_{name}_display", lambda n=name: getattr(person, n))()
            details.rows.append([str(model_field.verbose_name), str(value or "")])
        details.rows.append(
            [_("필요 서비스"), ", ".join(n.name for n in person.needs.all())]  # type: ignore[union-attr]
        )
        sections.append(details)
        consents = Section(_("동의"), [_("항목"), _("일자"), _("범위·방법")])
        consents.rows.append(
            [_("개인정보 수집·이용"), person.consent_date or "", person.consent_scope]  # type: ignore[union-attr]
        )
        episodes = Section(
            _("돌봄 회차"),
            [
                _("번호"),
                _("사업"),
                _("상태"),
                _("의뢰일"),
                _("시작일"),
                _("종결일"),
                _("종결 사유"),
            ],
        )
        for episode in Episode.objects.filter(recipient=person).select_related("program"):
            episodes.rows.append(
                [
                    episode.pk,
                    episode.program.name,
                    episode.get_state_display(),
                    episode.referred_on,
                    episode.starts_on or "",
                    episode.closed_on or "",
                    episode.get_closure_reason_display() if episode.closure_reason else "",
                ]
            )
        sections.append(episodes)
        visits = Section(
            _("방문"),
            [_("시작"), _("끝"), _("단원"), _("사업"), _("서비스"), _("상태"), _("메모")],
        )
        for visit in (
            Visit.objects.filter(recipient=person)
            .select_related("corps_member", "program")
            .prefetch_related("service_types")
            .order_by("started_at")
        ):
            visits.rows.append(
                [
                    _local(visit.started_at),
                    _local(visit.ended_at),
                    visit.corps_member.name,
                    visit.program.name,
                    ", ".join(s.name for s in visit.service_types.all()),
                    visit.get_status_display(),
                    visit.notes,
                ]
            )
        sections.append(visits)
        consultations = Consultation.objects.filter(recipient=person)
    else:
        consultations = Consultation.objects.filter(pk=request.consultation_id)
        consents = Section(_("동의"), [_("항목"), _("일자"), _("범위·방법")])
    held = Section(
        _("상담"),
        [_("일시"), _("사업"), _("방법"), _("이름"), _("연락처"), _("내용"), _("결과")],
    )
    for consultation in consultations.select_related("program", "recipient").order_by("held_at"):
        held.rows.append(
            [
                _local(consultation.held_at),
                consultation.program.name,
                consultation.get_channel_display(),
                consultation.person_label,
                consultation.person_contact,
                consultation.summary,
                consultation.get_outcome_display(),
            ]
        )
        if consultation.share_consent_at:
            consents.rows.append(
                [
                    _("제3자 제공 (상담 %(day)s)") % {"day": _local(consultation.held_at)},
                    _local(consultation.share_consent_at),
                    consultation.share_consent_scope,
                ]
            )
    sections.append(held)
    sections.append(consents)
    subject_type, subject_id = request.subject
    reads = Section(_("접속기록"), [_("일시"), _("계정"), _("수행업무"), _("경로"), _("접속지")])
    for row in AccessLog.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by(
        "at", "id"
    ):
        reads.rows.append(
            [_local(row.at), row.username, row.get_action_display(), row.path, row.source_ip or ""]
        )
    sections.append(reads)
    return sections
