from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from base import api as base_api
from care import api as care_api
from care.conferences import api as conferences_api
from care.consent import api as consent_api
from care.episodes import api as episodes_api
from care.incidents import api as incidents_api
from care.repairs import api as repairs_api
from care.satisfaction import api as satisfaction_api
from care.schedule import api as schedule_api
from care.statements import api as statements_api
from config import desks, login, privacy
from consultations import api as consultations_api
from consultations import consultation_api
from consultations.outreach import api as outreach_api
from consultations.partners import api as partners_api
from volunteers import api as volunteers_api
from volunteers.compliance import api as compliance_api

router = DefaultRouter()
router.register("regions", base_api.RegionViewSet, basename="region")
router.register("service-types", base_api.ServiceTypeViewSet, basename="service-type")
router.register("programs", base_api.ProgramViewSet, basename="program")
router.register(
    "resource-categories", consultations_api.ResourceCategoryViewSet, basename="resource-category"
)
router.register("target-groups", consultations_api.TargetGroupViewSet, basename="target-group")
router.register(
    "eligibility-tags", consultations_api.EligibilityTagViewSet, basename="eligibility-tag"
)
router.register("qualifications", volunteers_api.QualificationViewSet, basename="qualification")
router.register("volunteers", volunteers_api.CorpsMemberViewSet, basename="volunteer")
router.register(
    "compliance-requirements",
    compliance_api.ComplianceRequirementViewSet,
    basename="compliance-requirement",
)
router.register("recipients", care_api.RecipientViewSet, basename="recipient")
router.register("assignments", care_api.AssignmentViewSet, basename="assignment")
router.register("visits", care_api.VisitViewSet, basename="visit")
router.register("visit-exceptions", care_api.VisitExceptionViewSet, basename="visit-exception")
router.register("no-visit-alerts", care_api.NoVisitAlertViewSet, basename="no-visit-alert")
router.register("care-plans", schedule_api.CarePlanEntryViewSet, basename="care-plan")
router.register("scheduled-visits", schedule_api.ScheduledVisitViewSet, basename="scheduled-visit")
router.register("episodes", episodes_api.EpisodeViewSet, basename="episode")
router.register(
    "episode-extensions", episodes_api.ExtensionRequestViewSet, basename="episode-extension"
)
router.register("program-rules", episodes_api.ProgramRulesViewSet, basename="program-rules")
router.register("repair-jobs", repairs_api.RepairJobViewSet, basename="repair-job")
router.register(
    "case-conferences", conferences_api.CaseConferenceViewSet, basename="case-conference"
)
router.register("agreements", partners_api.AgreementViewSet, basename="agreement")
router.register("questionnaires", satisfaction_api.QuestionnaireViewSet, basename="questionnaire")
router.register(
    "satisfaction-responses",
    satisfaction_api.SatisfactionResponseViewSet,
    basename="satisfaction-response",
)
router.register("incidents", incidents_api.IncidentViewSet, basename="incident")
router.register(
    r"recipients/(?P<recipient_pk>[0-9]+)/consents",
    consent_api.RecipientConsentViewSet,
    basename="recipient-consent",
)
router.register("consent-texts", consent_api.ConsentTextViewSet, basename="consent-text")
router.register("reporting-lines", incidents_api.ReportingLineViewSet, basename="reporting-line")
router.register("resources", consultations_api.WelfareResourceViewSet, basename="resource")
router.register("organizations", consultations_api.OrganizationViewSet, basename="organization")
router.register("consultations", consultation_api.ConsultationViewSet, basename="consultation")
router.register("referrals", consultation_api.ReferralViewSet, basename="referral")
router.register(
    "follow-up-alerts", consultation_api.FollowUpAlertViewSet, basename="follow-up-alert"
)
router.register(
    "outreach-sessions", outreach_api.OutreachSessionViewSet, basename="outreach-session"
)
router.register("outreach-sites", outreach_api.OutreachSiteViewSet, basename="outreach-site")

# The docs pages read the schema as JSON: half a megabyte of YAML took the browser's parser
# over a minute on this machine before Swagger UI drew anything.
SCHEMA_JSON = "/api/v1/schema/?format=json"

api_v1 = [
    path("auth/token/", care_api.ObtainTokenView.as_view(), name="auth-token"),
    path("auth/token/revoke/", care_api.RevokeTokenView.as_view(), name="auth-token-revoke"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs pages send a visitor to log in first, then use that session for their calls.
    # Their scripts and styles are served from static/ (drf-spectacular-sidecar), never a CDN.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url=SCHEMA_JSON, template_name="api_docs/swagger_ui.html"
            )
        ),
        name="api-docs",
    ),
    path(
        "redoc/",
        login_required(
            SpectacularRedocView.as_view(url=SCHEMA_JSON, template_name="api_docs/redoc.html")
        ),
        name="api-redoc",
    ),
    path(
        "recipients/<int:pk>/suggested-volunteers/",
        care_api.SuggestedVolunteersView.as_view(),
        name="recipient-suggested-volunteers",
    ),
    path("kpi/", include("kpi.urls_api")),
    path(
        "activity-statements/",
        statements_api.ActivityStatementView.as_view(),
        name="activity-statements",
    ),
    path(
        "satisfaction-results/",
        satisfaction_api.SatisfactionResultsView.as_view(),
        name="satisfaction-results",
    ),
    path("program-spend/", statements_api.ProgramSpendView.as_view(), name="program-spend"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("desk/", desks.landing, name="desk"),
    path("privacy/", privacy.privacy_policy, name="privacy"),
    path("audit/", include("care.audit.urls")),
    path("privacy-requests/", include("consultations.rights.urls")),
    # The admin's and the browsable API's login pages are the site's: no way around the
    # second factor.
    path("admin/login/", login.LoginView.as_view(), name="admin-login"),
    path("admin/", admin.site.urls),
    path("login/", login.LoginView.as_view(), name="login"),
    path("login/code/", login.login_code, name="login-code"),
    path("login/enrol/", login.login_enrol, name="login-enrol"),
    path("account/recovery-codes/", login.recovery_codes, name="account-recovery-codes"),
    path("account/password/", login.PasswordChangeView.as_view(), name="password-change"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tablet/", include("care.tablet_urls")),
    path("coordinator/", include("care.coordinator_urls")),
    path("kpi/", include("kpi.urls")),
    # Before the finder's find/ (its catch-alls must not shadow the request form).
    path("find/request/", include("consultations.callbacks.public_urls")),
    path("consultations/", include("consultations.desk_urls")),
    path("hsds/", include("consultations.hsds.urls")),
    path("find/", include("consultations.finder.urls")),
    path("provider/", include("consultations.freshness.public_urls")),
    path("api/v1/", include(api_v1)),
    path("api-auth/login/", login.LoginView.as_view()),
    path("api-auth/", include("rest_framework.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Error pages in the site's layout with a way back to the user's desk; JSON under /api/.
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
