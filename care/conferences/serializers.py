"""Case conferences on the API: what is read, and the nested input of a conference."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from care.conferences.models import (
    ActionItem,
    CaseConference,
    CaseConferenceAttendee,
    ConferenceEpisode,
)
from care.episodes.models import Episode

User = get_user_model()
# The directory lives in consultations, above care: reached through the attendee's own
# foreign key, never by import.
Organization = CaseConferenceAttendee._meta.get_field("organization").related_model


def _display(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


class AttendeeSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    display_name = serializers.CharField(read_only=True)
    organization_name = serializers.CharField(
        source="organization.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = CaseConferenceAttendee
        fields = ["id", "user", "name", "display_name", "role", "organization", "organization_name"]
        read_only_fields = fields


class DiscussionSerializer(serializers.ModelSerializer):
    recipient = serializers.IntegerField(source="episode.recipient_id", read_only=True)
    recipient_name = serializers.CharField(source="episode.recipient.name", read_only=True)
    episode_state = serializers.CharField(source="episode.state", read_only=True)

    class Meta:
        model = ConferenceEpisode
        fields = ["episode", "recipient", "recipient_name", "episode_state", "notes"]
        read_only_fields = fields


class ActionItemSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    conference = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "conference", "text", "owner", "due_on", "done_on", "done_by"]
        read_only_fields = fields


class MyActionItemSerializer(ActionItemSerializer):
    conference_title = serializers.CharField(source="conference.title", read_only=True)
    conference_held_on = serializers.DateField(source="conference.held_on", read_only=True)

    class Meta(ActionItemSerializer.Meta):
        fields = [*ActionItemSerializer.Meta.fields, "conference_title", "conference_held_on"]
        read_only_fields = fields


class CaseConferenceSerializer(serializers.ModelSerializer):
    chair = serializers.SlugRelatedField(slug_field="username", read_only=True)
    chair_name = serializers.SerializerMethodField()
    attendees = AttendeeSerializer(many=True, read_only=True)
    episodes = DiscussionSerializer(source="discussions", many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = CaseConference
        fields = [
            "id", "held_on", "place", "title", "chair", "chair_name", "attendees", "episodes",
            "decisions", "action_items", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_chair_name(self, conference: CaseConference) -> str:
        return _display(conference.chair)


# --- input --------------------------------------------------------------------------------


class AttendeeInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("직원 참석자의 계정 번호 (외부 참석자는 비움)"),
    )
    name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=_("외부 참석자 이름")
    )
    role = serializers.CharField(max_length=50, required=False, allow_blank=True)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization._default_manager.all(),
        required=False,
        allow_null=True,
        help_text=_("소속 기관 (기관 목록의 번호)"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("user") is None and not (attrs.get("name") or "").strip():
            raise serializers.ValidationError(
                {"name": [_("직원을 고르거나 외부 참석자의 이름을 적으세요.")]}
            )
        if attrs.get("user") is not None and (attrs.get("name") or "").strip():
            raise serializers.ValidationError(
                {"name": [_("직원 참석자에게는 이름을 따로 적지 않습니다.")]}
            )
        return attrs


class DiscussionInputSerializer(serializers.Serializer):
    episode = serializers.PrimaryKeyRelatedField(queryset=Episode.objects.all())
    notes = serializers.CharField(required=False, allow_blank=True)


class ActionItemInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, help_text=_("고칠 때: 이미 있는 할 일의 번호 (완료 상태 유지)")
    )
    text = serializers.CharField(max_length=300)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    due_on = serializers.DateField()


class CaseConferenceInputSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    title = serializers.CharField(max_length=200)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    chair = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    decisions = serializers.CharField(required=False, allow_blank=True)
    attendees = AttendeeInputSerializer(many=True, required=False)
    episodes = DiscussionInputSerializer(many=True, required=False)
    action_items = ActionItemInputSerializer(many=True, required=False)


class ActionItemDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False, help_text=_("기본: 오늘"))


class ConferenceStatsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ConferenceMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    conferences = serializers.IntegerField()
    episodes_discussed = serializers.IntegerField()
    outside_attendees = serializers.IntegerField()
    action_items = serializers.IntegerField()
    action_items_done = serializers.IntegerField()
    action_items_overdue = serializers.IntegerField()


class ConferenceStatsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    months = ConferenceMonthSerializer(many=True)
