"""Admin of consent records: for reading by administrators (written on the desk and the API,
where the child rule and the withdrawal's effects are checked); every page that shows records
writes to the access log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from base.admin import ReadOnlyLogAdmin
from base.models import AccessLog
from base.roles import has_role
from base.services import access_log_record
from care.consent.models import ConsentRecord
from config.api import client_ip


def _log(request: HttpRequest, records: Any) -> None:
    recipients = {record.recipient_id: record.recipient for record in records}
    access_log_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AccessLog.Action.VIEW,
        recipients=recipients.values(),
        source_ip=client_ip(request),
        path=request.path,
    )


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyLogAdmin):
    list_display = [
        "recipient", "item", "text_version", "given_on", "method", "taken_by", "given_by",
        "withdrawn_on",
    ]  # fmt: skip
    list_filter = ["item", "method", "given_by"]
    list_select_related = ["recipient", "taken_by"]
    date_hierarchy = "given_on"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_role(request.user, "administrator")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            _log(request, changelist.result_list)
        return response

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        record = super().get_object(request, object_id, from_field)
        if record is not None:
            _log(request, [record])
        return record
