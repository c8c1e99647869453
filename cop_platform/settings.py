"""Settings for the platform, read from the environment.

With no environment at all the project runs on its embedded defaults: a SQLite file,
Celery over kombu's filesystem transport (no server to install), e-mails written as
.eml files under var/mail/. Set DJANGO_ENV=production for a deployment: it then refuses
to start without SECRET_KEY and ALLOWED_HOSTS, and turns on the secure-transport settings.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    # No default secrets in production: fail loudly at start-up.
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env.str("SITE_NAME", default="Communities of Practice")
# Absolute address of the site, used in e-mails (links must work outside a request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "taggit",
    "django_htmx",
    "csp",
    "core",
    "accounts",
    "communities",
    "meetings",
    "knowledge",
    "discussions",
    "messages.apps.MemberMessagesConfig",
    "conveners",
    "evaluation",
    "dashboard",
    # Demo and scale data, with published passwords: development only, never in production.
    *([] if PRODUCTION else ["devdata"]),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 405 for any method but GET, HEAD and POST, before anything else reads the request.
    "core.middleware.AllowedMethodsMiddleware",
    # /healthz answered here, before CommonMiddleware checks the Host against ALLOWED_HOSTS.
    "core.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # With read replicas: keeps a person who has just written reading from the primary.
    "core.replicas.ReplicaLagMiddleware",
    # Every response to a signed-in person: Cache-Control private, no-store (runs last on the
    # way out, so it sees what every view and middleware below set).
    "core.middleware.SignedInNoStoreMiddleware",
    # Deny by default: every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Answers a rate-limited request with 429 (the view is RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # A sign-in refused by the sign-in limits: its page answers 429 with Retry-After.
    "core.ratelimits.SignInLimitMiddleware",
    # After the rate limiter: sees refusals first, records them, and passes them on.
    "core.middleware.AccessAuditMiddleware",
    # A merged community's pages answer a redirect to the community it merged into.
    "communities.middleware.MergedCommunityMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "core.middleware.PrivilegedMFAMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
]

ROOT_URLCONF = "cop_platform.urls"
WSGI_APPLICATION = "cop_platform.wsgi.application"

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
                "communities.context_processors.site",
                "core.context_processors.frame",
                "accounts.notifications.context_processors.bell",
            ],
        },
    },
]
FORM_RENDERER = "core.forms.NHSUKFormRenderer"

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # A file, not memory, so that a Celery worker process in the integration tests sees it:
    # one per test run (the worker inherits the name through the environment), so that two
    # runs on one checkout never write to the same file.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.setdefault(
            "COP_TEST_SQLITE_NAME", str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")
        )
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# Parallel workers a query may start (PostgreSQL's max_parallel_workers_per_gather), set on
# each connection. None by default: a page's query that PostgreSQL split across workers
# waited for them to start (the home page's discussions: 12 ms against 4.5 ms alone, 95
# against 19 under load), and the web workers already use every core. Empty: the server's.
DATABASE_PARALLEL_WORKERS = env.str("DATABASE_PARALLEL_WORKERS", default="0").strip()
PG_SESSION_OPTIONS = (
    f"-c max_parallel_workers_per_gather={int(DATABASE_PARALLEL_WORKERS)}"
    if DATABASE_PARALLEL_WORKERS
    else ""
)
if PG_SESSION_OPTIONS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"].setdefault("options", PG_SESSION_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replicas: PostgreSQL streaming replicas of the primary, comma-separated URLs written
# like DATABASE_URL. The heavy reads go to them and nothing else does; a person who has just
# written reads from the primary (core/replicas.py; docs/deploy.md, "Scaling out"). Under the
# tests each mirrors the primary. None: no router, no middleware, nothing changes.
DATABASE_REPLICAS = []
for _url in [u.strip() for u in env.list("DATABASE_REPLICA_URLS", default=[]) if u.strip()]:
    _replica = environ.Env.db_url_config(_url)
    if not DATABASES["default"]["ENGINE"] == _replica["ENGINE"] == "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS names PostgreSQL replicas of a PostgreSQL DATABASE_URL."
        )
    _replica.update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        TEST={"MIRROR": "default"},
    )
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    if PG_SESSION_OPTIONS:
        _replica["OPTIONS"].setdefault("options", PG_SESSION_OPTIONS)
    _alias = f"replica_{len(DATABASE_REPLICAS)}"
    DATABASES[_alias] = _replica
    DATABASE_REPLICAS.append(_alias)
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
# After a write, the person reads from the primary for this long (seconds): longer than the
# replicas ever lag behind (watch pg_stat_replication's replay_lag).
REPLICA_LAG_SECONDS = env.int("REPLICA_LAG_SECONDS", default=10)
# How long a background job waits for a replica to catch up before reading from the primary.
REPLICA_WAIT_SECONDS = env.float("REPLICA_WAIT_SECONDS", default=5.0)
# A replica that cannot be reached is left out for this long (seconds), per process.
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=30)

# --- Cache, broker and Celery ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis, with `add` failing open when Redis is down (see the module).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A local Redis answers in well under a millisecond: one that hangs must
                # not hold a page for long.
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # The cache is an optimisation: when Redis is down, pages still render.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "visibility_timeout": 3600,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # No server to install: kombu's filesystem transport, three folders under var/.
    CELERY_BROKER_URL = "filesystem://"
    _queue = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        # Worker control messages (pidbox), kept out of the working directory.
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }

# Sessions: the database is the record. With Redis, each session has a copy there that
# lives at most SESSION_CACHE_SECONDS, so that a request reads no session from the database:
# losing Redis signs nobody out, and a sign-out made while Redis is unreachable is in force
# within that time (core/sessions.py). Without Redis, the database alone: a copy in each
# process's memory would give each web worker its own, and a sign-out in one would not
# reach the others.
SESSION_ENGINE = "core.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=60)
# Signed out after this long without a request, and this long after signing in (seconds).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=60 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection around every task unless this is
# set; it then closes it only every this many tasks, and CONN_MAX_AGE decides in between
# (cop_platform/celery.py). A digest batch or a message no longer pays for a connection.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The periodic schedule, in one place (see cop_platform/celery.py for the tasks' meaning).
CELERY_BEAT_SCHEDULE = {
    # Sends any e-mail still pending: those whose on-commit task could not be published
    # (broker down at commit time) and those waiting to retry after a transient SMTP error.
    "email-sweep": {
        "task": "accounts.tasks.sweep_pending_emails_task",
        # Seconds between sweeps; the Redis outage test runs it every few seconds.
        "schedule": env.float("EMAIL_SWEEP_SECONDS", default=60.0),
    },
    # Finishes digest runs: builds the batches whose task was lost (a broker restarted
    # empty) or whose worker died (its lease passed), and closes runs that are all sent.
    "digest-resume": {
        "task": "dashboard.tasks.resume_digests_task",
        "schedule": env.float("EMAIL_SWEEP_SECONDS", default=60.0),
    },
    # Finds the meetings whose reminder is due and sends each registered person one
    # (a scan of the database, not tasks scheduled ahead: safe to run twice or late).
    "meeting-reminders": {"task": "meetings.tasks.send_due_reminders_task", "schedule": 300.0},
    # Digests: daily at 07:00, weekly on Monday at 07:00 (Europe/London), once per person per period.
    "digest-daily": {
        "task": "dashboard.tasks.send_digests_task",
        "schedule": crontab(hour=7, minute=0),
        "args": ("daily",),
    },
    "digest-weekly": {
        "task": "dashboard.tasks.send_digests_task",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
        "args": ("weekly",),
    },
    # E-mails the owners of resources whose review date has passed, once per review date.
    "resource-reviews": {
        "task": "knowledge.tasks.send_review_reminders_task",
        "schedule": crontab(hour=7, minute=30),
    },
    # Clears personal data past its retention period (PERSONAL_DATA_RETENTION_DAYS), in
    # batches, recording progress; what is cleared is no longer due, so it is safe to rerun.
    "personal-data-retention": {
        "task": "accounts.retention.apply_retention_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
# Task modules not called tasks.py (autodiscovery finds only those).
CELERY_IMPORTS = ["accounts.retention"]

# --- Retention of personal data (days; SECURITY.md, "Personal data", says why each) ----------
PERSONAL_DATA_RETENTION_DAYS = {
    "outbox_text": env.int("RETENTION_OUTBOX_TEXT_DAYS", default=30),
    "network_addresses": env.int("RETENTION_NETWORK_ADDRESSES_DAYS", default=90),
    "failed_sign_ins": env.int("RETENTION_FAILED_SIGN_INS_DAYS", default=90),
    "declined_applications": env.int("RETENTION_DECLINED_APPLICATIONS_DAYS", default=365),
    "expired_invitations": env.int("RETENTION_EXPIRED_INVITATIONS_DAYS", default=90),
    "meeting_guests": env.int("RETENTION_MEETING_GUESTS_DAYS", default=365),
    "read_notifications": env.int("RETENTION_READ_NOTIFICATIONS_DAYS", default=180),
    # Replies by e-mail held for the person to check: they expire (and go) after this.
    "held_replies": env.int("INBOUND_HELD_DAYS", default=14),
}
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)

# --- E-mail -----------------------------------------------------------------------------
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    vars().update(environ.Env.email_url_config(_email_url))
else:
    EMAIL_BACKEND = "core.mail_backends.EmlFileBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# The right-hand side of every Message-ID: the site's own domain (from SITE_URL) unless set,
# never the machine's name ("localhost" in a container), which spam filters count against.
EMAIL_MESSAGE_ID_DOMAIN = env.str(
    "EMAIL_MESSAGE_ID_DOMAIN", default=urlsplit(SITE_URL).hostname or "localhost"
)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Communities of Practice <noreply@example.org>"
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Attempts at a message before it is marked failed (transient SMTP errors only are retried).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=6)
# Bulk mail (digests, minutes, reminders) is sent in batches of this many, one task and one
# SMTP connection each.
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=50)
# A sender's claim on outbox rows (and a worker's on a digest batch) lasts this long,
# renewed while it works: rows still held once it has passed belonged to a process that
# died, and the sweep hands them out again. Longer than a batch takes; the fault tests
# shorten it.
EMAIL_LEASE_SECONDS = env.int("EMAIL_LEASE_SECONDS", default=300)
# How long the sweep leaves a pending row to the task queued for it before sending it
# itself (the task may have been lost with the broker).
EMAIL_HANDOVER_SECONDS = env.int("EMAIL_HANDOVER_SECONDS", default=60)
# The first wait after a transient SMTP failure; doubled at each attempt, at most an hour.
EMAIL_RETRY_SECONDS = env.int("EMAIL_RETRY_SECONDS", default=60)
# How long a sender keeps trying to record a message's outcome while the database is
# unreachable (a restart), before it stops sending.
EMAIL_DB_RETRY_SECONDS = env.int("EMAIL_DB_RETRY_SECONDS", default=60)
# E-mail in: replies to reply+<token>@REPLY_DOMAIN (accounts/inbound, docs/deploy.md).
REPLY_DOMAIN = env.str("REPLY_DOMAIN", default=f"reply.{EMAIL_MESSAGE_ID_DOMAIN}")
INBOUND_TOKEN_DAYS = env.int("INBOUND_TOKEN_DAYS", default=30)
INBOUND_HELD_DAYS = PERSONAL_DATA_RETENTION_DAYS["held_replies"]  # held text waits this long
INBOUND_HOST = env.str("INBOUND_HOST", default="127.0.0.1")
INBOUND_PORT = env.int("INBOUND_PORT", default=8025)
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=10 * 1024 * 1024)
# The largest file a message or a reply may carry, on the site or by e-mail (core.attachments).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
INBOUND_FOLDER = env.str("INBOUND_FOLDER", default=str(VAR_DIR / "mail" / "inbound"))
# Mailgun's webhook signing key; without it the webhook refuses everything.
INBOUND_WEBHOOK_KEY = env.str("INBOUND_WEBHOOK_KEY", default="")
INBOUND_WEBHOOK_MAX_AGE = env.int("INBOUND_WEBHOOK_MAX_AGE", default=300)
# People per digest batch (one task, and one record of progress, each).
DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=1000)

# --- Accounts and sign-in ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, reading the person signed in with one query a request.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Passwords seen in breaches, checked offline (see accounts/passwords.py).
    {"NAME": "accounts.passwords.BreachedPasswordValidator"},
]
# Optional: a larger breached-password list, one password or SHA-1 hash per line (for
# example the most common entries of the Pwned Passwords corpus, downloaded once).
BREACHED_PASSWORDS_FILE = env.str("BREACHED_PASSWORDS_FILE", default="")
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# allauth's forms with error messages that name their field (accounts/forms.py).
ACCOUNT_FORMS = {
    name: f"accounts.forms.{form}"
    for name, form in {
        "signup": "SignupForm",
        "login": "LoginForm",
        "reset_password": "ResetPasswordForm",  # nosec B105  # a form's name, not a password
        "reset_password_from_key": "ResetPasswordKeyForm",  # nosec B105  # a form's name, not a password
        "set_password": "SetPasswordForm",  # nosec B105  # a form's name, not a password
        "change_password": "ChangePasswordForm",  # nosec B105  # a form's name, not a password
        "add_email": "AddEmailForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
MFA_FORMS = {
    "authenticate": "accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "accounts.forms.MFAReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Failed sign-ins, counted three ways so that one address cannot lock out everyone behind it
# (an NHS trust's staff share one): per account, per account from one address, and a ceiling
# per address for password spraying (core.ratelimits). Every sign-in form sent from one
# address, successes too, has a ceiling as well ("login"). Rates are "N/period", the period in
# s, m, h or d with an optional number ("15m").
SIGN_IN_FAILURES_PER_ACCOUNT = env.str("SIGN_IN_FAILURES_PER_ACCOUNT", default="10/15m")
SIGN_IN_FAILURES_PER_ACCOUNT_ADDRESS = env.str(
    "SIGN_IN_FAILURES_PER_ACCOUNT_ADDRESS", default="5/5m"
)
SIGN_IN_FAILURES_PER_ADDRESS = env.str("SIGN_IN_FAILURES_PER_ADDRESS", default="300/10m")
SIGN_IN_ATTEMPTS_PER_ADDRESS = env.str("SIGN_IN_ATTEMPTS_PER_ADDRESS", default="300/m")
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{SIGN_IN_FAILURES_PER_ACCOUNT}/key",
    "login_failed_account_address": f"{SIGN_IN_FAILURES_PER_ACCOUNT_ADDRESS}/key",
    "login_failed_address": f"{SIGN_IN_FAILURES_PER_ADDRESS}/ip",
    "login": f"{SIGN_IN_ATTEMPTS_PER_ADDRESS}/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",  # nosec B105  # a rate-limit rule, not a password
}
# Application rate limits (django-ratelimit, counted in the cache): per person when signed in,
# per address otherwise. "N/p" means N requests per second (s), minute (m), hour (h) or day (d).
RATE_LIMITS = {
    "join": env.str("RATE_LIMIT_JOIN", default="10/h"),
    "invite": env.str("RATE_LIMIT_INVITE", default="30/h"),
    "upload": env.str("RATE_LIMIT_UPLOAD", default="30/h"),
    "search": env.str("RATE_LIMIT_SEARCH", default="60/m"),
    "report": env.str("RATE_LIMIT_REPORT", default="20/h"),
    "inbound": env.str("RATE_LIMIT_INBOUND", default="120/m"),
    "message": env.str("RATE_LIMIT_MESSAGE", default="60/h"),
    # A report drawn as a PDF on the server (WeasyPrint): seconds of a worker's time each.
    "pdf": env.str("RATE_LIMIT_PDF", default="10/h"),
}
RATELIMIT_VIEW = "core.ratelimits.rate_limited"
# The header a trusted proxy sets with the client's address (for the audit log and the limits).
AUDIT_CLIENT_IP_HEADER = env.str("AUDIT_CLIENT_IP_HEADER", default="")
# If the cache (Redis) is down, requests are let through rather than refused: the limits
# protect against abuse, and the site must keep answering during an outage.
RATELIMIT_FAIL_OPEN = True
# Each sign-in is recorded (allauth.usersessions), so a person can see where they are signed
# in and sign out everywhere else. Not tracked on every request: that would be a write each.
USERSESSIONS_TRACK_ACTIVITY = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Staff and programme managers must set up an authenticator app (on by default in production).
MFA_REQUIRED_FOR_PRIVILEGED = env.bool("MFA_REQUIRED_FOR_PRIVILEGED", default=PRODUCTION)
# Changing e-mail address, password or MFA asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_TOTP_ISSUER = SITE_NAME
# One period either side of now: tolerates a phone clock that drifts by up to 30 seconds.
MFA_TOTP_TOLERANCE = 1
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
# A person new to the site who signs in with their organisation is asked once for what
# sign-up asks (organisation, profession, region) before their account is made.
SOCIALACCOUNT_FORMS = {"signup": "accounts.forms.SocialSignupForm"}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# Off by default: someone who already has an account signs in with their password first and
# connects their organisation's sign-in from their account page. On, for a provider the
# operator trusts to vouch for addresses (an organisation's own tenant), a verified address
# of the provider signs into the account with that address and connects it at once.
OIDC_TRUST_EMAIL = env.bool("OIDC_TRUST_EMAIL", default=False)
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

# Optional single sign-on with an organisation's OpenID Connect provider (for example a
# Microsoft Entra tenant: OIDC_SERVER_URL=https://login.microsoftonline.com/<tenant>/v2.0).
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="")
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": env.str("OIDC_PROVIDER_ID", default="sso"),
            "name": env.str("OIDC_PROVIDER_NAME", default="your organisation"),
            "client_id": env.str("OIDC_CLIENT_ID"),
            "secret": env.str("OIDC_CLIENT_SECRET"),
            "settings": {
                "server_url": OIDC_SERVER_URL,
                "oauth_pkce_enabled": True,
                "fetch_userinfo": True,
            },
        }
    )

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# build/static/ is produced by `npm run build` from the npm packages (nothing vendored).
STATICFILES_DIRS = [BASE_DIR / "static" / "public", BASE_DIR / "build" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if PRODUCTION
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
_s3_bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _s3_bucket,
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _s3_bucket
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": _static_backend},
}

# --- Security headers ------------------------------------------------------------------------
_form_action = [SELF]
if OIDC_SERVER_URL:
    # Chromium applies form-action to the redirect that follows the sign-in form.
    from urllib.parse import urlsplit

    _oidc = urlsplit(OIDC_SERVER_URL)
    _form_action.append(f"{_oidc.scheme}://{_oidc.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": _form_action,
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Whenever SECURE_SSL_REDIRECT is on: the load balancer probes each instance over plain HTTP
# inside the private network (docs/deploy.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain (often an organisation's) to HTTPS in every
        # browser: the domain's owner opts in with SECURE_HSTS_PRELOAD=true.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix binds the cookie to this exact host over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    ADMINS = [("Operators", a) for a in env.list("ADMINS", default=[])]

# Library uploads: Office files are zip archives, checked before anything unpacks them; a
# virus scanner (for example "core.scanning.clamd_scan", with CLAMD_ADDRESS) is off
# unless named here.
RESOURCE_MAX_UNPACKED_BYTES = env.int("RESOURCE_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
RESOURCE_MAX_ARCHIVE_ENTRIES = env.int("RESOURCE_MAX_ARCHIVE_ENTRIES", default=1000)
UPLOAD_SCANNER = env.str("UPLOAD_SCANNER", default="") or None
CLAMD_ADDRESS = env.str("CLAMD_ADDRESS", default="127.0.0.1:3310")
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=30)
# The programme dashboard's figures are cached until something in their network changes
# (dashboard/signals.py), and at most this long (bulk updates send no signal).
FIGURES_CACHE_SECONDS = env.int("FIGURES_CACHE_SECONDS", default=600)
# A network's map likewise (evaluation/network/caching.py); "a year ago" moves with the
# clock, so a short lifetime.
NETWORK_MAP_CACHE_SECONDS = env.int("NETWORK_MAP_CACHE_SECONDS", default=60)
# `make bench` only: serves the minimal /bench/floor/ page it measures every page against.
BENCHMARK_FLOOR = env.bool("BENCHMARK_FLOOR", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Refused access and rate-limited requests (also in the audit log).
        "cop_platform.security": {"level": "INFO"},
    },
}
