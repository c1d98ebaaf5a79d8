"""What every app stands on: reference data, the refusal of resident registration numbers,
and the logs the Personal Information Protection Act asks for.

These models began in ``care``; their tables keep the names they had there (``care_region``
and so on), so moving them here changed no table (see ``base/migrations/0001_initial.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.fields import MachineTokenField
from base.validators import reject_resident_registration_number


class ReferenceData(models.Model):
    """Lists that administrators edit in admin and the API serves as ``code``/``name``."""

    code = models.SlugField(_("코드"), max_length=40, unique=True)
    name = models.CharField(_("이름"), max_length=100)
    name_en = models.CharField(_("영문 이름"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Region(ReferenceData):
    """시·군. Loaded as data so that another province can load its own."""

    class Meta(ReferenceData.Meta):
        db_table = "care_region"
        verbose_name = _("시·군")
        verbose_name_plural = _("시·군")


class ServiceType(ReferenceData):
    class Meta(ReferenceData.Meta):
        db_table = "care_servicetype"
        verbose_name = _("돌봄서비스 유형")
        verbose_name_plural = _("돌봄서비스 유형")


class Program(ReferenceData):
    indicator_code = models.CharField(
        _("성과지표"), max_length=10, blank=True, help_text=_("예: 4-1, 4-2")
    )

    class Meta(ReferenceData.Meta):
        db_table = "care_program"
        verbose_name = _("사업")
        verbose_name_plural = _("사업")


class RefusesResidentRegistrationNumbers(models.Model):
    """Checks every text field of the record for something shaped like an RRN."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude: set[str] | None = None) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            if isinstance(field, models.CharField | models.TextField) and not isinstance(
                field, MachineTokenField
            ):
                try:
                    reject_resident_registration_number(getattr(self, field.attname))
                except ValidationError as exc:
                    errors.setdefault(field.name, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)


class ExportPurpose(models.TextChoices):
    """Why personal data left the system as a file (개인정보 다운로드 사유): asked before every
    download of a list that names people, and kept on each of its access-log rows."""

    REPORT = "report", _("보고")
    INSPECTION = "inspection", _("점검")
    PAYMENT = "payment", _("활동비 지급")
    SUBJECT_REQUEST = "subject_request", _("정보주체 요청")
    OTHER = "other", _("기타")


class AccessLog(models.Model):
    """접속기록: who read or changed whose personal data, from where, and when.

    Required by the Personal Information Protection Act's safeguards standard (안전성
    확보조치 기준 제8조) and kept at least two years. Append-only: ``save`` refuses updates,
    ``delete`` is refused, and on PostgreSQL a trigger refuses both in the database itself
    (care/migrations/0005, on the table this model kept when it moved here from care).
    """

    class Action(models.TextChoices):
        VIEW = "view", _("조회")
        CREATE = "create", _("입력")
        CHANGE = "change", _("변경")
        DELETE = "delete", _("삭제")
        EXPORT = "export", _("출력")

    at = models.DateTimeField(_("일시"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("계정"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    # Kept as text too: the log must still say who it was if the account is renamed.
    username = models.CharField(_("계정명"), max_length=150)
    source_ip = models.GenericIPAddressField(_("접속지 주소"), null=True, blank=True)
    action = models.CharField(_("수행업무"), max_length=10, choices=Action.choices)
    # No foreign key: the record of a deletion must outlive the deleted recipient.
    subject_type = models.CharField(_("정보주체 구분"), max_length=40, default="recipient")
    subject_id = models.BigIntegerField(_("정보주체 번호"))
    subject_label = models.CharField(_("정보주체"), max_length=100, blank=True)
    path = models.CharField(_("경로"), max_length=200, blank=True)
    # Exports only (base.exports): why the file was made. Rows before these columns existed,
    # and every row that is not an export, leave them empty; the chain covers them when set.
    # A default in the database too: rows inserted by SQL that names no purpose are reads.
    purpose = models.CharField(
        _("출력 목적"),
        max_length=20,
        choices=ExportPurpose.choices,
        blank=True,
        default="",
        db_default="",
    )
    purpose_note = models.CharField(
        _("출력 사유"), max_length=200, blank=True, default="", db_default=""
    )
    # The hash chain (base.access_chain): each row's hash covers its content and the previous
    # row's hash, so a changed, inserted or removed row breaks the chain from there on. On
    # PostgreSQL a trigger sets these, and ``at``, in the database; the application cannot.
    chain_seq = models.BigIntegerField(_("순번"), null=True, unique=True, editable=False)
    prev_hash = MachineTokenField(_("이전 해시"), max_length=64, blank=True, editable=False)
    row_hash = MachineTokenField(_("해시"), max_length=64, blank=True, editable=False)

    class Meta:
        db_table = "care_accesslog"
        verbose_name = _("개인정보 접속기록")
        verbose_name_plural = _("개인정보 접속기록")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "at"], name="accesslog_subject"),
            models.Index(fields=["user", "at"], name="accesslog_user"),
        ]
        # An export without a purpose is refused by base.services.access_log_record (exports
        # logged before purposes were asked have none, so the database cannot insist on it).
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="") | Q(action="export"),
                name="accesslog_purpose_only_on_export",
            ),
            models.CheckConstraint(
                condition=~Q(purpose="other") | ~Q(purpose_note=""),
                name="accesslog_other_purpose_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValidationError(_("접속기록은 고칠 수 없습니다."))
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("접속기록은 지울 수 없습니다."))


class AccessLogVerification(models.Model):
    """One run of the access log's chain check (nightly, or ``manage.py verify_access_log``)."""

    checked_at = models.DateTimeField(_("검사 일시"), default=timezone.now)
    ok = models.BooleanField(_("이상 없음"))
    rows_checked = models.PositiveBigIntegerField(_("검사한 행"))
    first_broken_seq = models.BigIntegerField(_("처음 어긋난 순번"), null=True, blank=True)
    detail = models.CharField(_("내용"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("접속기록 검증")
        verbose_name_plural = _("접속기록 검증")
        ordering = ["-checked_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'OK' if self.ok else self.detail}"


class AccessLogPurge(models.Model):
    """The oldest rows of the access log removed past their retention (접속기록 파기), and the
    anchor the chain now starts from: the last removed row's number and hash.

    Written only by the database function ``care_accesslog_purge`` (base 0003), in the same
    transaction as the deletion, so ``access_log_verify`` can tell a purge from a quiet
    removal of the oldest rows: after the last purge the chain must start exactly at
    ``up_to_seq + 1`` with ``last_hash`` as its previous hash, else at row 1."""

    purged_at = models.DateTimeField(_("파기 일시"), default=timezone.now)
    cutoff = models.DateTimeField(_("이전 기록 파기 기준"))
    up_to_seq = models.BigIntegerField(_("파기한 마지막 순번"), unique=True)
    last_hash = MachineTokenField(_("파기한 마지막 해시"), max_length=64, editable=False)
    rows_deleted = models.PositiveBigIntegerField(_("파기한 행"))

    class Meta:
        verbose_name = _("접속기록 파기")
        verbose_name_plural = _("접속기록 파기")
        ordering = ["-up_to_seq"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.purged_at:%Y-%m-%d} ..{self.up_to_seq}"


class RoleChangeLog(models.Model):
    """A change to a user's roles (groups), which decide whose data they can read."""

    class Change(models.TextChoices):
        ADDED = "added", _("부여")
        REMOVED = "removed", _("회수")

    at = models.DateTimeField(_("일시"), default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("변경한 계정"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("대상 계정"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("역할"), max_length=150)
    change = models.CharField(_("변경"), max_length=10, choices=Change.choices)

    class Meta:
        db_table = "care_rolechangelog"
        verbose_name = _("권한 변경기록")
        verbose_name_plural = _("권한 변경기록")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.role} {self.get_change_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValidationError(_("권한 변경기록은 고칠 수 없습니다."))
        super().save(*args, **kwargs)  # type: ignore[arg-type]


# Registered with base (their tables are base_*).
from base.devices.models import EnrolledTablet  # noqa: E402,F401
