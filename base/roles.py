"""The five roles (Django groups) and the model permissions each holds.

Which rows a role reaches is decided by the querysets' ``visible_to``; these permissions
decide which endpoints and admin pages it may use at all. A later migration that adds
models adds them here and calls ``roles_sync`` again.
"""

from __future__ import annotations

from typing import Any

CAREGIVER = "caregiver"
COORDINATOR = "coordinator"
COUNSELOR = "counselor"
MANAGER = "manager"
ADMINISTRATOR = "administrator"
ROLES = (CAREGIVER, COORDINATOR, COUNSELOR, MANAGER, ADMINISTRATOR)

REFERENCE = [
    "base.view_region",
    "base.view_servicetype",
    "base.view_program",
    "volunteers.view_qualification",
    # Corps compliance requirements (단원 필수 요건) are data anyone on the staff may read.
    "volunteers.view_compliancerequirement",
]


CONSULTATION_READS = [
    "consultations.view_consultation",
    "consultations.view_referral",
    "consultations.view_referralstatechange",
    "consultations.view_followupalert",
]


KPI_GOAL_MODELS = [
    "strategicgoal",
    "indicator",
    "measure",
    "measuretarget",
    "unitprogram",
    "unitprogramtarget",
    "operatinggroupprogram",
]


# The welfare resource directory, read by everyone who refers people to services.
DIRECTORY_READS = [
    "consultations.view_welfareresource",
    "consultations.view_organization",
    "consultations.view_resourcecategory",
    "consultations.view_targetgroup",
    "consultations.view_eligibilitytag",
]

# The finder's daily counters: aggregates without a person, for the goal tracker's 4-2 panel.
USAGE_READS = ["consultations.view_searchtermday", "consultations.view_resourceviewday"]


# Residents' call-back requests (상담 신청): counselors take and close them on the desk,
# administrators too; managers see only the usage statistics (no name, no phone).
CALLBACK_REQUESTS = [
    "consultations.view_callbackrequest",
    "consultations.change_callbackrequest",
]


# Outreach days (찾아가는 상담) and their sites: counselors record them, coordinators read,
# managers see only the goal tracker's counts.
OUTREACH_MODELS = ["consultations.outreachsession", "consultations.outreachsite"]


# Keeping the directory fresh (복지자원 조사): counselors and administrators keep the
# organizations' contacts and review what providers send back; invitations are read-only
# (the monthly task and the desk's button make them).
FRESHNESS_RECORDS = [
    "consultations.view_organizationcontact",
    "consultations.add_organizationcontact",
    "consultations.change_organizationcontact",
    "consultations.delete_organizationcontact",
    "consultations.view_reviewinvitation",
    "consultations.view_proposedchange",
    "consultations.change_proposedchange",
]


# Episodes and schedules: coordinators work on them through the desk and the API (which check
# roles with has_role); these let staff open them in the admin as well.
EPISODE_RECORDS = [
    "care.view_episode",
    "care.view_episodetransition",
    "care.view_eligibilityanswer",
    "care.view_extensionrequest",
    "care.view_aftercarecheck",
    "care.view_careplanentry",
    "care.view_scheduledvisit",
]
# Home-repair jobs (주거환경개선): run on the desk and the API (roles checked with has_role);
# these let coordinators and administrators read them in the admin.
REPAIR_RECORDS = [
    "care.view_repairjob",
    "care.view_repairjobtransition",
    "care.view_repairitem",
    "care.view_repairphoto",
]
# Case conferences (사례회의): coordinators write them on the desk and the API (which check
# roles with has_role); these let staff open them in the admin as well.
CONFERENCE_MODELS = ["caseconference", "caseconferenceattendee", "conferenceepisode", "actionitem"]
# Safety incidents (안전사고·학대 의심 신고): coordinators read and follow them up on the desk
# and the API (role checks and ``Incident.objects.visible_to``); these open them in the admin.
# Incidents are never deleted: the model has no delete permission.
INCIDENT_RECORDS = [
    "care.view_incident",
    "care.view_incidentfollowup",
    "care.view_incidentexternalreport",
    "care.view_reportingline",
]
# Program rules, brackets, fees and criteria are data an administrator edits.
EPISODE_RULES = ["programrules", "incomebracket", "feerule", "eligibilitycriterion"]

# Satisfaction (만족도 조사): the questionnaire is read by whoever asks it; responses (with
# their free-text comments) are read by coordinators and administrators only. The API and
# the desk check roles with has_role; these open the admin pages as well.
QUESTIONNAIRE_READS = ["care.view_questionnaire", "care.view_question"]
SATISFACTION_RECORDS = [
    *QUESTIONNAIRE_READS,
    "care.view_satisfactionresponse",
    "care.add_satisfactionresponse",
    "care.view_satisfactionanswer",
]
# Corps compliance (단원 관리): coordinators record items and read the overrides they give.
COMPLIANCE_RECORDS = [
    "volunteers.view_compliancerecord",
    "volunteers.add_compliancerecord",
    "volunteers.view_complianceoverride",
]


def _crud(*models: str) -> list[str]:
    return [
        f"{model.split('.')[0]}.{verb}_{model.split('.')[1]}"
        for model in models
        for verb in ("view", "add", "change", "delete")
    ]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    CAREGIVER: [
        *REFERENCE,
        "care.view_recipient",
        "care.view_assignment",
        "volunteers.view_corpsmember",
        "care.view_visit",
        "care.add_visit",
        "care.change_visit",
        *QUESTIONNAIRE_READS,
        "care.add_satisfactionresponse",
        # Their own incidents only (Incident.objects.visible_to).
        "care.view_incident",
        "care.add_incident",
        "care.view_reportingline",
        # Their own compliance only (ComplianceRecord visibility).
        "volunteers.view_compliancerecord",
    ],
    COORDINATOR: [
        *REFERENCE,
        *_crud("care.recipient", "care.assignment", "volunteers.corpsmember"),
        "care.view_visit",
        "care.add_visit",
        "care.change_visit",
        "care.view_visitexception",
        "care.change_visitexception",
        "care.view_novisitalert",
        *EPISODE_RECORDS,
        *REPAIR_RECORDS,
        *INCIDENT_RECORDS,
        "care.add_incident",
        "care.change_incident",
        "care.view_oncallshift",
        *[f"care.view_{model}" for model in EPISODE_RULES],
        *[f"care.view_{model}" for model in CONFERENCE_MODELS],
        "consultations.view_agreement",
        *SATISFACTION_RECORDS,
        *COMPLIANCE_RECORDS,
        # Coordinators read the desk's consultations and follow-ups (issue 4); counselors write.
        *CONSULTATION_READS,
        *DIRECTORY_READS,
        "consultations.view_outreachsession",
        "consultations.view_outreachsite",
    ],
    COUNSELOR: [
        *REFERENCE,
        "care.view_recipient",
        # Hand-over of a consulted person to emergency care: an intake left as "referred".
        "care.add_recipient",
        *_crud(
            "consultations.consultation",
            "consultations.referral",
            "consultations.welfareresource",
            "consultations.organization",
        ),
        # Partners' agreements (협약): counselors keep them with the directory.
        "consultations.view_agreement",
        "consultations.add_agreement",
        "consultations.change_agreement",
        "consultations.view_resourcecategory",
        "consultations.view_targetgroup",
        "consultations.view_eligibilitytag",
        "consultations.view_followupalert",
        "consultations.view_referralstatechange",
        *_crud(*OUTREACH_MODELS),
        *FRESHNESS_RECORDS,
        *CALLBACK_REQUESTS,
    ],
    MANAGER: [
        *REFERENCE,
        *[f"kpi.view_{m}" for m in KPI_GOAL_MODELS],
        "kpi.add_measuretarget",
        "kpi.change_measuretarget",
        "kpi.add_unitprogramtarget",
        "kpi.change_unitprogramtarget",
        *USAGE_READS,
    ],
    ADMINISTRATOR: [
        *_crud(*[f"kpi.{m}" for m in KPI_GOAL_MODELS]),
        *_crud(
            "base.region",
            "base.servicetype",
            "base.program",
            "volunteers.qualification",
            "care.recipient",
            "care.assignment",
            "volunteers.corpsmember",
            "auth.user",
            "auth.group",
            "care.visit",
            "consultations.consultation",
            "consultations.referral",
            "consultations.welfareresource",
            "consultations.organization",
            "consultations.resourcecategory",
            "consultations.targetgroup",
            "consultations.eligibilitytag",
            *OUTREACH_MODELS,
        ),
        *USAGE_READS,
        *CONSULTATION_READS,
        *FRESHNESS_RECORDS,
        *CALLBACK_REQUESTS,
        "care.view_visitexception",
        "care.change_visitexception",
        "care.view_novisitalert",
        *_crud(*[f"care.{model}" for model in EPISODE_RULES]),
        *EPISODE_RECORDS,
        *REPAIR_RECORDS,
        *[f"care.view_{model}" for model in CONFERENCE_MODELS],
        "consultations.view_agreement",
        "consultations.add_agreement",
        "consultations.change_agreement",
        *_crud("care.questionnaire", "care.question"),
        *SATISFACTION_RECORDS[2:],
        *INCIDENT_RECORDS,
        "care.add_incident",
        "care.change_incident",
        # Harm done to caregivers (종사자 인권보호, goal 2-2): its own, restricted queue.
        "care.view_staff_harm_incident",
        "care.add_reportingline",
        "care.change_reportingline",
        *_crud("care.staffphone", "care.oncallshift"),
        *COMPLIANCE_RECORDS,
        "volunteers.view_compliancerequirement",
        "volunteers.add_compliancerequirement",
        "volunteers.change_compliancerequirement",
        "volunteers.change_compliancerecord",
        "notifications.view_message",
        "notifications.change_message",
        "base.view_accesslog",
        "base.view_accesslogverification",
        "care.view_accessreview",
        "base.view_rolechangelog",
        "authtoken.view_token",
        "authtoken.view_tokenproxy",
        # Revoking a person's API token (a lost tablet) is deleting it in admin.
        "authtoken.delete_token",
        "authtoken.delete_tokenproxy",
        "authtoken.delete_tokenproxy",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ],
}


# Where ``role_names`` keeps a user's groups on the user object, which lives for one request
# (the authentication loads it afresh each time), as Django's own permission cache does.
ROLE_CACHE_ATTRIBUTE = "_role_names_cache"


def role_names(user: Any) -> frozenset[str]:
    """The names of the groups a signed-in user is in, read once per user object: a request
    asks for its user's roles in several places (the permission class, the querysets'
    ``visible_to``, the desks' links) and each asking was a query. A change of the user's own
    groups (``user.groups.add``) drops the cache (``base.signals``)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, ROLE_CACHE_ATTRIBUTE, None)
    if cached is None:
        # With the user's model permissions, which the same request asks for next.
        from base.permissions import roles_and_permissions_load

        roles_and_permissions_load(user)
        cached = getattr(user, ROLE_CACHE_ATTRIBUTE)
    return cached


def forget_role_names(user: Any) -> None:
    user.__dict__.pop(ROLE_CACHE_ATTRIBUTE, None)


def has_role(user: Any, *roles: str) -> bool:
    """Whether a signed-in user holds any of ``roles`` (a superuser holds them all)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or role_names(user).intersection(roles))


def roles_sync(apps: Any) -> None:
    """Create the groups and set exactly their permissions; safe to run any number of times."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
