"""/api/v1/volunteers/{id}/compliance/ and /api/v1/compliance-requirements/: thin views over
the compliance selectors and services.

Coordinators and administrators read any member's compliance and record items; a caregiver
reads only their own (another member is 404); managers and counselors read none (403): these
are personal records, and the criminal-record check's result is among them. Every read of a
member's compliance is written to the access log."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import permissions, viewsets
from rest_framework.request import Request

from base.models import AccessLog
from base.roles import has_role
from base.services import access_log_record
from config.api import RoleModelPermissions, client_ip
from volunteers.compliance import selectors
from volunteers.compliance.models import ComplianceRequirement
from volunteers.compliance.serializers import (
    ComplianceRequirementSerializer,
    MemberComplianceSerializer,
)
from volunteers.models import CorpsMember

WRITERS = ("coordinator", "administrator")
READERS = (*WRITERS, "caregiver")


class ComplianceRoles(permissions.BasePermission):
    """Reads for coordinators, administrators and caregivers (their own, by the member's
    ``visible_to``); recording an item for coordinators and administrators."""

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = READERS if request.method in permissions.SAFE_METHODS else WRITERS
        return has_role(request.user, *roles)


def member_compliance_data(*, request: Request, corps_member: CorpsMember) -> dict[str, Any]:
    """The member's standing per requirement, serialized, and the read logged."""
    today = timezone.localdate()
    standing = selectors.member_standing(corps_member=corps_member, on=today)
    access_log_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AccessLog.Action.VIEW,
        recipients=[corps_member],
        source_ip=client_ip(request),
        path=request.path,
        subject_type="corps_member",
    )
    return MemberComplianceSerializer(
        {
            "corps_member": corps_member,
            "as_of": today,
            "blocked": standing.blocked,
            "items": standing.items,
        }
    ).data


class ComplianceRequirementViewSet(viewsets.ReadOnlyModelViewSet):
    """단원 필수 요건: the trainings, checks and insurance corps members must hold (data,
    edited in admin). Read-only; one short list, not paged."""

    serializer_class = ComplianceRequirementSerializer
    permission_classes = [RoleModelPermissions]
    lookup_field = "code"
    pagination_class = None
    queryset = ComplianceRequirement.objects.none()

    def get_queryset(self) -> Any:
        return selectors.requirement_list()
