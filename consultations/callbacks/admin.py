"""Admin of call-back requests: read only. They are worked on the counselors' desk, whose
services keep the states consistent; the list shows no name or phone, and opening one is
logged like the desk's page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from base.models import AccessLog
from config.api import client_ip
from consultations.callbacks import services
from consultations.callbacks.models import CallbackRequest


@admin.register(CallbackRequest)
class CallbackRequestAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "state",
        "region",
        "topic",
        "preferred_time",
        "created_at",
        "taken_by",
    ]
    list_filter = ["state", "region", "topic", "close_reason"]
    search_fields = ["number"]
    list_select_related = ["region", "topic", "taken_by"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in CallbackRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        shown = self.get_object(request, object_id)
        if shown is not None and response.status_code == 200:
            services.callback_request_log(
                actor=request.user,  # type: ignore[arg-type]
                callback_request=shown,
                action=AccessLog.Action.VIEW,
                source_ip=client_ip(request),
                path=request.path,
            )
        return response
