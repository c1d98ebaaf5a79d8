"""The outbox in the admin: a read-only record of what was sent, and a retry for what failed.

Messages are written only by the services (enqueue, send); an edited body or state would
break the record of what a person was told.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to_name", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state", "kind"]
    search_fields = ["to_name", "to_phone", "dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    actions = ["retry_now"]
    readonly_fields = [field.name for field in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # Whoever may change messages may retry them; the page itself stays read-only.
        return request.user.has_perm("notifications.change_message")

    @admin.action(description=_("실패한 메시지 지금 다시 보내기"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        retried = services.messages_retry(message_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "실패한 메시지 %(count)d건을 다시 보냅니다.",
                "실패한 메시지 %(count)d건을 다시 보냅니다.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )
