"""The one settings module; everything that differs between machines comes from the environment.

See README "Configuration" for the variables.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_json, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# A development key only works with DEBUG on: a deployment without SECRET_KEY refuses to start.
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-only" if DEBUG else None)
if not DEBUG and SECRET_KEY.startswith("insecure-"):
    raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's and ReDoc's files, served from static/: the docs work on a closed network.
    "drf_spectacular_sidecar",
    "axes",
    # Two-factor login: authenticator apps (TOTP) and recovery codes (base/twofactor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "base",
    "care",
    "volunteers",
    "consultations",
    "kpi",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicy",
    # Serves collected static files under gunicorn, where DEBUG is off and nothing else would.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Residents' pages and open data: Cache-Control, ETag and 304 for anonymous reads. Above
    # the session, locale and CSRF middleware, to see the cookies and Vary they add.
    "config.public_cache.PublicCache",
    "config.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before any view or query: a NUL character can be neither looked up nor stored, and text
    # is compared in one Unicode form.
    "config.input_hygiene.CleanInput",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "base.signals.ActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised anywhere above into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                # The user's desks, for the home page's cards and the header's desk links.
                "config.desks.user_desks",
                "config.context_processors.public_contact",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
# Behind PgBouncer in transaction mode (docker-compose.yml) a server-side cursor would outlive
# the transaction its server connection was lent for; DB_CONN_MAX_AGE is then 0 as well.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DB_DISABLE_SERVER_SIDE_CURSORS", False
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by the web server, the worker and beat: wait for a lock
    # instead of failing, take the write lock up front, and let readers run beside a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first, so that a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Permission checks only: fills ModelBackend's cache in one query (base/permissions.py).
    "base.permissions.OneQueryPermissions",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"

# The second factor (config/login.py): administrators, coordinators, counselors and staff type
# a code from an authenticator app (or a recovery code) after their password; caregivers log
# in only from a tablet a coordinator enrolled. On unless AUTH_SECOND_FACTOR=false is set, and
# a deployment (DEBUG off) refuses to start with it off.
AUTH_SECOND_FACTOR = env_bool("AUTH_SECOND_FACTOR", True)
if not DEBUG and not AUTH_SECOND_FACTOR:
    raise ImproperlyConfigured("AUTH_SECOND_FACTOR cannot be turned off when DEBUG is off.")
# The issuer an authenticator app shows beside the account.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "전북 돌봄 운영")
# A password step waits this long for its code before the login starts again.
LOGIN_CODE_MINUTES = 5
# A tablet's one-time enrolment code is valid this long; its credential cookie lasts
# DEVICE_COOKIE_DAYS and is renewed at every caregiver login (browsers cap cookies at 400).
DEVICE_ENROLMENT_CODE_MINUTES = env_int("DEVICE_ENROLMENT_CODE_MINUTES", 30)
DEVICE_COOKIE_NAME = "care_tablet"
DEVICE_COOKIE_DAYS = 400

# Desk sessions end after 30 minutes without a request, and when the browser closes (no
# persistent cookie). A request moves the end when the last move is a minute old or more
# (config.sessions), so an idle session ends 29 to 30 minutes after its last request. The
# tablet's outbox lives in IndexedDB, not in the session, so a caregiver who logs in again
# finds the unsent visits still there.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_REFRESH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ENGINE = "config.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A caregiver's tablet left alone this long clears what it stores of people (the stored pages
# and API answers of the service worker, the schedule's marks) and goes back to the login,
# keeping only unsent visits (static/tablet/privacy.js). Counted on the tablet itself, which
# may be offline, where the server's session timeout cannot reach it.
TABLET_IDLE_CLEAR_MINUTES = env_int("TABLET_IDLE_CLEAR_MINUTES", 30)
if TABLET_IDLE_CLEAR_MINUTES < 1:
    raise ImproperlyConfigured("TABLET_IDLE_CLEAR_MINUTES must be at least 1.")

# The care information desk's phone (돌봄종합정보상담 대표 전화), shown to residents and
# providers; unset, the pages offer the call-back request (/find/request/) alone.
CARE_INFO_PHONE = env_str("CARE_INFO_PHONE", "")

# Who answers for personal data (개인정보 보호책임자), as the privacy policy names them.
PRIVACY_OFFICER = env_str(
    "PRIVACY_OFFICER", "전라북도사회서비스원 개인정보 보호책임자 (경영기획 부서장)"
)

# Retention of the logs (base/retention.py): the access log at least 2 years (개인정보의
# 안전성 확보조치 기준 제8조), role changes at least 3; a shorter setting is refused.
ACCESS_LOG_RETENTION_YEARS = env_int("ACCESS_LOG_RETENTION_YEARS", 2)
ROLE_CHANGE_RETENTION_YEARS = env_int("ROLE_CHANGE_RETENTION_YEARS", 3)
if ACCESS_LOG_RETENTION_YEARS < 2:
    raise ImproperlyConfigured("ACCESS_LOG_RETENTION_YEARS must be at least 2 (years).")
if ROLE_CHANGE_RETENTION_YEARS < 3:
    raise ImproperlyConfigured("ROLE_CHANGE_RETENTION_YEARS must be at least 3 (years).")
# Personal data of people whose program has no rules row (ProgramRules.personal_data_
# retention_years): years after the last episode closed or the consultation was held.
PERSONAL_DATA_RETENTION_YEARS = env_int("PERSONAL_DATA_RETENTION_YEARS", 5)

# API tokens (base.tokens): people's expire after API_TOKEN_HOURS; the named integration
# accounts' after API_INTEGRATION_TOKEN_DAYS.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 12)
API_INTEGRATION_USERS = frozenset(env_list("API_INTEGRATION_USERS", []))
API_INTEGRATION_TOKEN_DAYS = env_int("API_INTEGRATION_TOKEN_DAYS", 90)

# Failed logins: five wrong passwords for one account from one address lock it for 30 minutes.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.api.lockout_response"

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (signed agreements, photos): the local folder by default; a deployment may
# set STORAGES["default"] to any Django storage. Never served as static files: each download
# goes through a view that checks who asks.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (home-repair photos): the local folder var/media by default, any Django
# storage backend in deployment (MEDIA_STORAGE_BACKEND, with MEDIA_STORAGE_OPTIONS as JSON,
# e.g. django-storages' S3 with its bucket). They are never served as public media: no URL
# pattern serves MEDIA_URL, and each photo is sent by a view that checks the reader's role.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {
        "BACKEND": env_str("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("MEDIA_STORAGE_OPTIONS", {}),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads above this are refused (400); the largest accepted photo is 10 MB.
REPAIR_PHOTO_MAX_BYTES = 10 * 1024 * 1024
# A login without a (safe) ``next`` lands on the user's own desk, chosen by role.
LOGIN_REDIRECT_URL = "/desk/"

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous caller with the first class's challenge, so a
    # client learns 401 + ``WWW-Authenticate: Token`` (session-only would give a bare 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "base.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The API speaks JSON: every request body is declared once, as application/json, so a
    # generated client sends JSON (no endpoint takes a file; the resource import is an admin
    # page). The browsable pages keep their raw JSON form.
    "DEFAULT_PARSER_CLASSES": ["config.input_hygiene.JSONBodyParser"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "config.api.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "전북 돌봄 운영 API (Care operations API)",
    "DESCRIPTION": (
        "Emergency care corps, recipients, assignments, visits, consultations and KPI "
        "of the Jeonbuk Social Service Institute. Errors are JSON objects mapping a field "
        'to a list of messages, e.g. `{"birth_date": ["..."]}`, with status 400.\n\n'
        "**인증 (Authentication)**: 이 페이지는 로그인한 세션으로 호출합니다. 스크립트와 "
        "태블릿은 토큰을 씁니다 (scripts and tablets use a token): "
        '`POST /api/v1/auth/token/` 에 `{"username": "…", "password": "…"}` → '
        '`{"token": "…"}`, 그 뒤 모든 요청에 헤더 `Authorization: Token <token>`. '
        "관리자·코디네이터·상담원은 인증 앱의 코드를 `otp` 로 함께 보냅니다 (two-factor roles "
        "add `otp`); 단원의 토큰은 등록된 태블릿에서만 (caregivers: enrolled tablets only)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The UI's files come from drf-spectacular-sidecar (static/), never from a CDN; no
    # validator badge either, which Swagger UI would fetch from validator.swagger.io.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "RecipientStatusEnum": "care.models.Recipient.Status",
        "CorpsMemberStatusEnum": "volunteers.models.CorpsMember.Status",
        "EpisodeStateEnum": "care.episodes.models.Episode.State",
        "EpisodeClosureReasonEnum": "care.episodes.models.Episode.ClosureReason",
        "ExtensionRequestStateEnum": "care.episodes.models.ExtensionRequest.State",
        "AfterCareOutcomeEnum": "care.episodes.models.AfterCareCheck.Outcome",
        "EligibilitySourceEnum": "care.episodes.models.EligibilityAnswer.Source",
        "ReferralStateEnum": "consultations.models.Referral.State",
        "RepairJobStateEnum": "care.repairs.models.RepairJob.State",
        "SatisfactionChannelEnum": "care.satisfaction.models.SatisfactionResponse.Channel",
        "IncidentStateEnum": "care.incidents.models.Incident.State",
        "IncidentKindEnum": "care.incidents.models.Incident.Kind",
        # Recipients' categories: also a reporting line's target group and the categories a
        # compliance requirement applies to.
        "CategoryEnum": "care.models.Recipient.Category",
        "ComplianceRequirementKindEnum": "volunteers.compliance.models.ComplianceRequirement.Kind",
        # A consent's and a withdrawal's way (legacy included), and the ways one is taken now.
        "ConsentMethodEnum": "care.consent.models.ConsentRecord.Method",
        "ConsentTakenMethodEnum": "care.consent.serializers.TAKEN_METHODS",
    },
}

# The cache: anonymous searches, public pages and the public request form's rate limits. Redis
# in deployment (CACHE_URL, a database of its own: a cache flush must never touch the broker's
# queues); local memory in the embedded default, which is per process and so only right for
# one process serving.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if urlparse(CACHE_URL).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not a redis:// URL.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "care",
            # As for the broker: a Redis that does not answer is given up on in seconds, so a
            # public page waits that long at most instead of the client's default of forever.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "care",
        }
    }

# Celery. Without REDIS_URL an embedded filesystem broker under var/ lets a real worker and
# beat run on a laptop with nothing else installed.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    if urlparse(REDIS_URL).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} is not a redis:// URL.")
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # Longer than the longest task (a year's rollup at ten million visits, about a
        # minute), so a message is redelivered only when its worker is really gone.
        "visibility_timeout": 3600,
        # A Redis that is down is noticed in a second, not after the client's long default.
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
else:
    _broker_dir = VAR_DIR / "celery" / "broker"
    _results_dir = VAR_DIR / "celery" / "results"
    # kombu keeps its exchange tables (fanout, broadcast: `celery inspect`, worker events) in
    # `control_folder`, "control" relative to the working directory unless told otherwise.
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_broker_dir, _results_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_control_dir),
    }
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# A request made while the broker is down answers within about two seconds: the publish
# tries twice, briefly, and the caller keeps what it stored (a run stays queued, a message
# pending) for the beat's sweeps to send later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
KPI_ROLLUP_HEARTBEAT_SECONDS = env_int("KPI_ROLLUP_HEARTBEAT_SECONDS", 15)
KPI_ROLLUP_LOST_AFTER_SECONDS = env_int("KPI_ROLLUP_LOST_AFTER_SECONDS", 180)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker that loses the broker cannot acknowledge the late-acked tasks it is running, and
# the broker gives them to another worker: stop them rather than run each twice at once
# (Celery 6's default; every task is safe to run twice, not to overlap with itself).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A worker started before Redis waits for it, as today, without Celery 5.3+'s warning.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Nightly, before the working day: is the access log's hash chain whole?
    "send-queued-rollups": {
        "task": "kpi.send_queued_rollups",
        "schedule": crontab(minute="*"),
    },
    "recover-lost-rollups": {
        "task": "kpi.recover_lost_rollups",
        "schedule": crontab(minute="*/2"),
    },
    # Weekly, Sunday night (Seoul): personal data past its retention pseudonymised, logs past
    # theirs purged (consultations/retention.py).
    "apply-retention": {
        "task": "consultations.apply_retention",
        "schedule": crontab(day_of_week=0, hour=2, minute=30),
    },
    "verify-access-log": {
        "task": "base.verify_access_log",
        "schedule": crontab(hour=3, minute=30),
    },
    # Early morning, Seoul time, so the coordinators' desk shows the day's alerts at 9.
    "record-no-visit-alerts": {
        "task": "care.record_no_visit_alerts",
        "schedule": crontab(hour=6, minute=0),
    },
    "rollup-previous-month": {
        "task": "kpi.rollup_previous_month",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    "recompute-late-records": {
        "task": "kpi.recompute_late_records",
        "schedule": crontab(hour=3, minute=0),
    },
    "record-follow-up-alerts": {
        "task": "consultations.record_follow_up_alerts",
        "schedule": crontab(hour=6, minute=10),
    },
    # The next 14 days of every care plan, before anyone looks at a tablet (Seoul time).
    "generate-schedule": {
        "task": "care.schedule_generate",
        "schedule": crontab(hour=1, minute=30),
    },
    # Corps members whose required items (training, checks, insurance) lapse within 30 days
    # are told by text, in the morning (Seoul time); once per member, item and expiry.
    "notify-expiring-compliance": {
        "task": "volunteers.compliance_expiry_notify",
        "schedule": crontab(hour=9, minute=0),
    },
    # Scheduled visits late after the grace, missed after their day; a lost tick is harmless.
    "mark-missed-visits": {
        "task": "care.schedule_mark_missed",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
    # Open incidents nobody acknowledged in 24 hours, told to the managers once each.
    "escalate-incidents": {
        "task": "care.incidents_escalate",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
    # Providers asked to confirm entries unchecked for 11 months (복지자원 조사): once a
    # month, on a working morning (Seoul) so the texts arrive when offices read them. Safe to
    # run twice: an open invitation is never duplicated.
    "send-review-invitations": {
        "task": "consultations.send_review_invitations",
        "schedule": crontab(day_of_month=1, hour=10, minute=0),
    },
    # The outbox's safety net: messages whose queued task was lost or whose retry has come.
    # A tick not started within 50 s is dropped; the next one does the same work.
    "send-due-messages": {
        "task": "notifications.send_due_messages",
        "schedule": crontab(),
        "options": {"expires": 50},
    },
}

# Notification outbox (notifications/). NOTIFICATION_GATEWAY: "console" writes messages to the
# log; "http" posts them to the SMS gateway at SMS_GATEWAY_URL with SMS_GATEWAY_KEY.
NOTIFICATION_GATEWAY = env_str("NOTIFICATION_GATEWAY", "console")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
if NOTIFICATION_GATEWAY not in {"console", "http"}:
    raise ImproperlyConfigured(
        f"NOTIFICATION_GATEWAY={NOTIFICATION_GATEWAY!r} is not console/http."
    )
if NOTIFICATION_GATEWAY == "http":
    if not (SMS_GATEWAY_URL and SMS_GATEWAY_KEY):
        raise ImproperlyConfigured(
            "NOTIFICATION_GATEWAY=http needs SMS_GATEWAY_URL and SMS_GATEWAY_KEY."
        )
    if urlparse(SMS_GATEWAY_URL).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"SMS_GATEWAY_URL={SMS_GATEWAY_URL!r} is not an http(s) URL.")
# The public site's address as residents and providers reach it, for links in text messages
# (a provider's review link), which are built outside any request.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
if urlparse(PUBLIC_BASE_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"PUBLIC_BASE_URL={PUBLIC_BASE_URL!r} is not an http(s) URL.")
# Attempts before a message is marked failed (shown in the admin, retried from there).
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
if NOTIFICATION_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("NOTIFICATION_MAX_ATTEMPTS must be at least 1.")
# A message "sending" for longer belongs to a worker that died mid-send and is sent again.
NOTIFICATION_SENDING_TIMEOUT_SECONDS = env_int("NOTIFICATION_SENDING_TIMEOUT_SECONDS", 300)

# A scheduled visit with no visit this many minutes after its start is shown as late.
SCHEDULE_LATE_AFTER_MINUTES = env_int("SCHEDULE_LATE_AFTER_MINUTES", 30)
if SCHEDULE_LATE_AFTER_MINUTES < 0:
    raise ImproperlyConfigured("SCHEDULE_LATE_AFTER_MINUTES must not be negative.")

# Personal data access records (접속기록) must be kept at least two years (개인정보의 안전성
# 확보조치 기준 제8조); the database refuses deleting younger rows.
ACCESS_LOG_RETENTION_DAYS = 2 * 366

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# config/security.py: what the pages may load. Redoc renders in a web worker made from a blob.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # HTTPS only, and browsers told to keep to it for a year (`manage.py check --deploy` is
    # silent). A deployment terminating TLS in a proxy sets BEHIND_TLS_PROXY so that Django
    # trusts the proxy's X-Forwarded-Proto (docker-compose.yml does); a plain-HTTP test
    # server sets SECURE_SSL_REDIRECT=false.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
