"""Settings shared by every environment, read from the environment in one place.

Every knob is an environment variable (README, "Configuration"). The defaults are the laptop
ones: SQLite, local-memory cache, in-memory channel layer, eager Celery, console email, the
offline AI provider. Setting ``DJANGO_ENV=production`` turns on the hardening in
``production.py``; setting ``DATABASE_URL`` / ``REDIS_URL`` moves to the real services.
"""

from datetime import timedelta
from pathlib import Path

import environ
from redis.exceptions import ConnectionError as RedisConnectionError

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
DEBUG = env.bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")
# The development key is public on purpose; production.py refuses to start without a real one.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="insecure-development-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The front end that serves the pages emails link to (verify-email, reset-password; README,
# "Links in emails"). Empty: the platform serves them itself (accounts.pages, /account/...).
FRONTEND_URL = env.str("FRONTEND_URL", default="").rstrip("/")
# The platform's own public address (scheme, host and port, e.g. https://api.example.com),
# for links written with no request behind them: the verification reminder, unsubscribe
# links, Stripe's return URLs. A link written while answering a request uses that request's
# host instead. Unset: FRONTEND_URL, else http://127.0.0.1:8000 (core.links.public_url).
PUBLIC_URL = env.str("PUBLIC_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    # django.contrib.admin, with the sign-in throttle on its login (accounts.admin_site).
    "accounts.apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_filters",
    "channels",
    "allauth",
    "allauth.account",
    "axes",
    "core",
    "accounts",
    "analytics",
    "ai",
    "notifications",
    "djstripe",
    "billing",
    "community",
    "coaching",
    "conversations",
    "marketplace",
    "crm",
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /static/ (the docs' viewers, the admin) from the app itself: after SecurityMiddleware,
    # whose headers it keeps, and before the rest, which a static file does not need.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Oversized bodies and NUL in paths or query strings, refused before anything reads
    # them (after CORS, so a browser can read the refusal).
    "core.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes asks: turns an admin sign-in it locked out into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
SITE_ID = 1

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
            ],
        },
    },
]

# --- Data stores --------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the database's write lock when their transaction begins, waiting up to
    # the timeout, so two read-then-write transactions (two bookings of one slot) run one
    # after the other instead of failing with "database is locked" halfway.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

# Redis is an accelerator, not a dependency of REST (README, "When Redis is down"). The
# default cache fails open: throttles let requests through and cached reads are computed
# afresh, the outage logged once. The strict alias (same Redis, same keys) raises instead,
# for what must not silently fail: socket tickets, the health check. Connecting gets half a
# second and a command one second, so a blackholed Redis cannot hold a worker for long.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1}


def redis_caches(url: str, key_prefix: str = "platform") -> dict:
    location = {"LOCATION": url, "KEY_PREFIX": key_prefix}
    return {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            **location,
            # retry_after: seconds during which a failed Redis is not tried again.
            "OPTIONS": {**REDIS_CACHE_OPTIONS, "retry_after": 1.0},
        },
        "strict": {
            "BACKEND": "core.cache.PooledRedisCache",
            **location,
            "OPTIONS": dict(REDIS_CACHE_OPTIONS),
        },
    }


def redis_channel_layers(url: str, prefix: str = "platform-asgi") -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": url,
                        # The layer waits for messages with a blocking read of up to 5 s;
                        # redis-py 8 times reads out after 5 s by default, which dropped idle
                        # sockets (django/channels_redis#422), so reads get more time.
                        "socket_timeout": 15,
                        "socket_connect_timeout": 1,
                        # After Redis restarts every pooled connection is stale and fails its
                        # first command: reconnect and send it again, once, so the first
                        # handshake after an outage works. A Redis still down fails both.
                        "retry_on_error": [RedisConnectionError],
                    }
                ],
                "prefix": prefix,
                # A group membership lives as long as a socket can stay silent between
                # pings; a process that died without discarding is cleaned up after this.
                "group_expiry": env.int("CHANNELS_GROUP_EXPIRY", default=86400),
                # Messages a channel may hold before the sender gets ChannelFull.
                "capacity": env.int("CHANNELS_CAPACITY", default=1000),
                "expiry": 60,
            },
        }
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL, env.str("CACHE_KEY_PREFIX", default="platform"))
    CHANNEL_LAYERS = redis_channel_layers(
        REDIS_URL, env.str("CHANNELS_PREFIX", default="platform-asgi")
    )
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens in requests, after their commit (core.tasks.enqueue): a broker that is
# down must cost a request little. One connect gets 1 s (kombu's default is none at all, so
# a blackholed broker hung the request for minutes), one command 2 s (above the workers'
# 1 s BRPOP), and a failed publish is retried once, at once; then enqueue() gives up.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "purge-expired-daily": {
        "task": "accounts.tasks.purge_expired",
        "schedule": timedelta(days=1),
    },
    "purge-sign-in-records-daily": {
        "task": "accounts.tasks.purge_sign_in_records",
        "schedule": timedelta(days=1),
    },
}

# --- Auth ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Email is the USERNAME_FIELD, so Django's backend signs members in by email. allauth's own
# backend is left out: its login views are not used, and a second backend would hash the
# password a second time on every failed attempt. django-axes' backend comes first: it
# refuses a locked-out attempt before any password is hashed (accounts.lockout).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
# "mandatory": sign-in waits for a verified address; "optional": it does not.
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("EMAIL_VERIFICATION_EXPIRE_DAYS", default=3)
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = (
    "allauth.account.forms.EmailAwarePasswordResetTokenGenerator"  # noqa: S105
)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 3)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry a hash of the password hash, so changing the password ends every session
    # at once, access tokens included.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "pwh",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Refresh tokens are recorded by their SHA-256 only (accounts/tokens.py); simplejwt's
    # own views, if ever mounted, go through the same class.
    "TOKEN_OBTAIN_SERIALIZER": "accounts.tokens.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.tokens.TokenRefreshSerializer",
    "TOKEN_BLACKLIST_SERIALIZER": "accounts.tokens.TokenBlacklistSerializer",
}

# Sign-in protection (accounts/lockout.py), for the API and the admin alike: failures for
# one email from one client address lock that pair out for LOGIN_LOCKOUT_DURATION seconds
# after the last one; failures for one email from all addresses together, within
# LOGIN_LOCKOUT_WINDOW, slow further attempts from addresses the owner never signed in from
# (a delay doubling per failure up to LOGIN_PACING_MAX_DELAY seconds).
LOGIN_LOCKOUT_THRESHOLD = env.int("LOGIN_LOCKOUT_THRESHOLD", default=5)
LOGIN_LOCKOUT_WINDOW = env.int("LOGIN_LOCKOUT_WINDOW", default=15 * 60)
LOGIN_LOCKOUT_DURATION = env.int("LOGIN_LOCKOUT_DURATION", default=15 * 60)
LOGIN_PACING_THRESHOLD = env.int("LOGIN_PACING_THRESHOLD", default=10)
LOGIN_PACING_MAX_DELAY = env.int("LOGIN_PACING_MAX_DELAY", default=60)
# Successful sign-ins (email, address) are kept this long to recognise the owner's addresses.
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=90)

# django-axes, in the database (no Redis needed), wired to the settings above.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
# A refused attempt during a lockout does not push its end further: Retry-After holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from"
# The same client address as DRF's throttles (NUM_PROXIES) instead of django-ipware's.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "email", "ip_address"]
AXES_VERBOSE = False
# Its tables hold emails and addresses, and staff see personal data only through audited
# admins (core.audit): operators unlock with manage.py axes_reset_username / axes_reset_ip.
AXES_ENABLE_ADMIN = False

WS_TICKET_TTL = 60
HEALTH_CHECK_TIMEOUT = 3.0

# The plan of a member without a current subscription or grant (one of BILLING_PLANS).
DEFAULT_PLAN = "free"
# The function that answers accounts.selectors.plan_for(user); None: DEFAULT_PLAN for all.
PLAN_PROVIDER = "billing.selectors.plan_for"
# Its batch twin, {user id: plan} for a page of members (accounts.selectors.plans_for).
PLANS_PROVIDER = "billing.selectors.plans_for"
# Inlines other apps add to the user's page of accounts' UserAdmin (dotted paths).
USER_ADMIN_INLINES = ["billing.admin.StripeCustomerInline", "billing.admin.PlanGrantInline"]

# Consent versions in force; registering records the user's agreement to these.
TERMS_VERSION = env.str("TERMS_VERSION", default="2026-01")
PRIVACY_VERSION = env.str("PRIVACY_VERSION", default="2026-01")

# Privacy and retention (accounts.privacy, purge_expired).
ACCOUNT_ERASURE_GRACE_DAYS = env.int("ACCOUNT_ERASURE_GRACE_DAYS", default=0)
UNVERIFIED_ACCOUNT_RETENTION_DAYS = env.int("UNVERIFIED_ACCOUNT_RETENTION_DAYS", default=30)
AUDIT_LOG_RETENTION_DAYS = env.int("AUDIT_LOG_RETENTION_DAYS", default=730)
IDEMPOTENCY_KEY_RETENTION_HOURS = env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=24)
# Longer than any request may run (gunicorn's timeout), so only a dead request's key expires.
IDEMPOTENCY_PENDING_TIMEOUT = env.int("IDEMPOTENCY_PENDING_TIMEOUT", default=300)
MINIMUM_AGE = 18

# Field encryption (core.encryption): comma-separated Fernet keys, newest first.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")

# --- AI (ai/) ------------------------------------------------------------------------------

# Any OpenAI-compatible endpoint (OpenAI, OpenRouter, Gemini, Ollama, vLLM). Without a key the
# offline provider answers every feature, labelled provider="offline"; a local server that
# needs no key still gets one (any string, e.g. AI_API_KEY=ollama).
AI_BASE_URL = env.str("AI_BASE_URL", default="https://api.openai.com/v1")
AI_API_KEY = env.str("AI_API_KEY", default="")
# The model of every feature that declares none; AI_MODELS overrides per feature
# (AI_MODELS=coaching.plan=gpt-4.1,ai.text_summary=gpt-4o-mini).
AI_MODEL = env.str("AI_MODEL", default="gpt-4o-mini")
AI_MODELS = env.dict("AI_MODELS", default={})
# Seconds per HTTP request (for streams: between two chunks). 429, 5xx, timeouts and dropped
# connections are retried AI_MAX_RETRIES times with exponential backoff and jitter from
# AI_RETRY_BACKOFF seconds; a Retry-After is honoured up to AI_RETRY_MAX_WAIT seconds (a
# longer one ends the attempts). A generation still running at CELERY_TASK_SOFT_TIME_LIMIT
# is recorded as a timeout and refunded.
AI_TIMEOUT = env.float("AI_TIMEOUT", default=30.0)
AI_MAX_RETRIES = env.int("AI_MAX_RETRIES", default=2)
AI_RETRY_BACKOFF = env.float("AI_RETRY_BACKOFF", default=1.0)
AI_RETRY_MAX_WAIT = env.float("AI_RETRY_MAX_WAIT", default=20.0)
# Streams ask for a last chunk with the token usage (stream_options.include_usage); set it to
# false for a provider that rejects the option. Without that chunk the tokens are estimated
# (about four characters a token) and the generation is marked usage_estimated.
AI_STREAM_INCLUDE_USAGE = env.bool("AI_STREAM_INCLUDE_USAGE", default=True)
# Extra fields of every chat request's body, for what a provider adds to OpenAI's API. On
# OpenRouter the default asks for a route that honours every parameter sent: without it,
# routing may pick a model that silently drops response_format.
AI_EXTRA_BODY = env.json(
    "AI_EXTRA_BODY",
    default={"provider": {"require_parameters": True}} if "openrouter.ai" in AI_BASE_URL else {},
)
# US dollars per million tokens, per model: a generation's cost_usd is computed from it when
# recorded and never changes after (a later price change does not rewrite history). A model
# missing here gets a null cost. Override with AI_PRICES='{"gpt-4.1": {...}}'.
AI_PRICES = env.json(
    "AI_PRICES",
    default={
        "gpt-4o-mini": {"input_per_million": "0.15", "output_per_million": "0.60"},
    },
)
# Moderation (ai.services.moderate): OpenAI's /moderations endpoint when a key is set (its own
# key and base URL: OpenRouter, Gemini, vLLM and Ollama have no such endpoint), else a small
# local rule set. AI_MODERATION_TIMEOUT is short: a member waits on it before their message
# is accepted, and an outage answers 503 moderation_unavailable.
AI_MODERATION_BASE_URL = env.str("AI_MODERATION_BASE_URL", default="https://api.openai.com/v1")
AI_MODERATION_API_KEY = env.str("AI_MODERATION_API_KEY", default="")
AI_MODERATION_MODEL = env.str("AI_MODERATION_MODEL", default="omni-moderation-latest")
AI_MODERATION_TIMEOUT = env.float("AI_MODERATION_TIMEOUT", default=5.0)
# Who the member is, for the prompts of features declared with member_context=True
# (ai/context.py): functions called as f(user=...), each answering sections of the context.
# ai imports no domain app, so the project names them here.
AI_MEMBER_CONTEXT = ["accounts.ai_context.member", "coaching.ai_context.member"]
# Inputs, outputs and member contexts of generations are cleared after this many days; the
# rows (usage statistics) stay.
AI_RETENTION_DAYS = env.int("AI_RETENTION_DAYS", default=90)
# Quota units per plan, per feature, per UTC day; "*" is every other feature. A generation
# takes its feature's cost. Override the whole mapping with AI_QUOTAS='{"free": {...}}'.
# Generations whose task or worker was lost: queued ones are enqueued again after the first
# number of minutes, running ones recorded as failed (and refunded) after the second, which
# must exceed CELERY_TASK_TIME_LIMIT and the longest stream.
AI_STALE_QUEUED_MINUTES = env.int("AI_STALE_QUEUED_MINUTES", default=10)
AI_STALE_RUNNING_MINUTES = env.int("AI_STALE_RUNNING_MINUTES", default=30)
CELERY_BEAT_SCHEDULE["ai-recover-stale-generations"] = {
    "task": "ai.tasks.recover_stale_generations",
    "schedule": 300.0,
}
# A practice conversation calls the model once per turn: its features get units of their
# own, or a free member would spend the "*" units inside their first conversation. The
# number of practice conversations a day is BILLING_PLANS' conversations.practice_per_day.
AI_QUOTAS = env.json(
    "AI_QUOTAS",
    default={
        "free": {
            "*": 20,
            "conversations.character": 10,
            "conversations.partner": 200,
            "conversations.feedback": 10,
            "conversations.coach": 30,
            "conversations.coach_title": 30,
        },
        "premium": {
            "*": 200,
            "conversations.character": 60,
            "conversations.partner": 3000,
            "conversations.feedback": 60,
            "conversations.coach": 300,
            "conversations.coach_title": 300,
        },
    },
)

# --- Conversations (conversations/) ----------------------------------------------------------

# Streamed replies: pieces arriving within CONVERSATIONS_COALESCE_MS travel in one ai.token
# frame; each frame is also kept in a replay log (a Redis stream per reply with REDIS_URL,
# this process's memory without) for CONVERSATIONS_REPLAY_TTL seconds after the reply ends,
# so a client that reconnects gets what it missed. A stop is seen within
# CONVERSATIONS_CANCEL_POLL seconds even while the provider is silent.
CONVERSATIONS_COALESCE_MS = env.int("CONVERSATIONS_COALESCE_MS", default=30)
CONVERSATIONS_REPLAY_TTL = env.int("CONVERSATIONS_REPLAY_TTL", default=3600)
CONVERSATIONS_CANCEL_POLL = env.float("CONVERSATIONS_CANCEL_POLL", default=0.2)
# How replies run: "celery" (a worker; the default with a broker), "thread" (a thread of
# this process, the default when Celery is eager, so a socket that started a reply keeps
# receiving its frames and its stop), or "inline" (in the caller, after its commit).
CONVERSATIONS_REPLY_RUNNER = env.str(
    "CONVERSATIONS_REPLY_RUNNER", default="thread" if CELERY_TASK_ALWAYS_EAGER else "celery"
)
CONVERSATIONS_REPLY_QUEUE = env.str("CONVERSATIONS_REPLY_QUEUE", default="replies")
# Lost replies (conversations.tasks.recover_stale_replies, every minute): a reply still
# queued after the first number of seconds is started again; one still streaming after the
# second (longer than any reply) is ended "interrupted", keeping the text it had.
CONVERSATIONS_STALE_QUEUED_SECONDS = env.int("CONVERSATIONS_STALE_QUEUED_SECONDS", default=120)
CONVERSATIONS_STALE_STREAMING_SECONDS = env.int(
    "CONVERSATIONS_STALE_STREAMING_SECONDS", default=600
)
# A practice conversation nobody wrote in for this many hours ends "abandoned".
CONVERSATIONS_ABANDON_AFTER_HOURS = env.int("CONVERSATIONS_ABANDON_AFTER_HOURS", default=24)
CELERY_BEAT_SCHEDULE["conversations-recover-stale-replies"] = {
    "task": "conversations.tasks.recover_stale_replies",
    "schedule": 60.0,
}
# Member turns a conversation may have (409 turn_limit after), and the history sent with
# each turn: the newest messages whose text fits CONVERSATIONS_HISTORY_CHARS.
CONVERSATIONS_MAX_TURNS = env.int("CONVERSATIONS_MAX_TURNS", default=60)
CONVERSATIONS_COACH_MAX_TURNS = env.int("CONVERSATIONS_COACH_MAX_TURNS", default=200)
CONVERSATIONS_HISTORY_CHARS = env.int("CONVERSATIONS_HISTORY_CHARS", default=12000)
# Transcripts (messages) are purged this many days after a conversation's last message.
CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS = env.int(
    "CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS", default=180
)
# What the partner says, out of character, when a member's message signals self-harm, by
# locale ("en" is the fallback). Override with CONVERSATIONS_SAFETY_RESOURCES='{...}'.
CONVERSATIONS_SAFETY_RESOURCES = env.json(
    "CONVERSATIONS_SAFETY_RESOURCES",
    default={
        "en": {
            "title": "You don't have to go through this alone",
            "message": "I'm stepping out of the practice for a moment. What you wrote "
            "sounds heavy, and you deserve support from a real person. If you are in "
            "danger, call your local emergency number now.",
            "lines": [
                {
                    "label": "Find a helpline in your country",
                    "contact": "findahelpline.com",
                    "url": "https://findahelpline.com",
                },
                {
                    "label": "US: Suicide & Crisis Lifeline",
                    "contact": "988",
                    "url": "https://988lifeline.org",
                },
                {
                    "label": "UK & Ireland: Samaritans",
                    "contact": "116 123",
                    "url": "https://www.samaritans.org",
                },
            ],
        }
    },
)

# --- Notifications (notifications/) ---------------------------------------------------------

# Scheduled notifications: Celery beat runs the dispatcher every minute. It takes due
# rows in batches (one transaction each, rows locked with SKIP LOCKED, so overlapping runs
# share the work) and marks a row failed after NOTIFICATIONS_DISPATCH_MAX_ATTEMPTS errors.
CELERY_BEAT_SCHEDULE["notifications-dispatch-due"] = {
    "task": "notifications.tasks.dispatch_due",
    "schedule": 60.0,
}
NOTIFICATIONS_DISPATCH_BATCH_SIZE = env.int("NOTIFICATIONS_DISPATCH_BATCH_SIZE", default=50)
NOTIFICATIONS_DISPATCH_MAX_ATTEMPTS = env.int("NOTIFICATIONS_DISPATCH_MAX_ATTEMPTS", default=3)
# Email attempts per notification (transient errors only), and how long an email may stay
# pending before the dispatcher enqueues its task again (lost with the broker or a worker).
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_EMAIL_REQUEUE_MINUTES = env.int("NOTIFICATIONS_EMAIL_REQUEUE_MINUTES", default=15)
# The email task holds the notification's row lock while the mail server answers: never let
# an SMTP server hang it (a timeout is a transient error, retried later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Mail through SendGrid's API instead of SMTP: set SENDGRID_API_KEY and
# EMAIL_BACKEND=anymail.backends.sendgrid.EmailBackend (any other anymail provider likewise).
ANYMAIL = {"SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", default="")}
# The unsubscribe link of non-essential emails and their List-Unsubscribe header (RFC 8058
# one-click POSTs go there too): this API's endpoint as reachable from the internet. Empty:
# /api/v1/notifications/unsubscribe under the platform's address (PUBLIC_URL, see above).
NOTIFICATIONS_UNSUBSCRIBE_URL = env.str("NOTIFICATIONS_UNSUBSCRIBE_URL", default="")
NOTIFICATIONS_UNSUBSCRIBE_TOKEN_DAYS = env.int("NOTIFICATIONS_UNSUBSCRIBE_TOKEN_DAYS", default=365)
# Hours after signup at which an unverified member is reminded to verify their address.
NOTIFICATIONS_VERIFY_REMINDER_HOURS = env.int("NOTIFICATIONS_VERIFY_REMINDER_HOURS", default=24)
# Retention (purge_expired): read notifications, and those never listed in the inbox, after
# NOTIFICATIONS_RETENTION_DAYS; finished scheduled rows after the second number.
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=180)
NOTIFICATIONS_SCHEDULE_RETENTION_DAYS = env.int("NOTIFICATIONS_SCHEDULE_RETENTION_DAYS", default=30)

# --- Billing (billing/) -------------------------------------------------------------------

# Stripe through dj-stripe. Without a secret key the billing endpoints that need Stripe
# answer 503 `billing_unavailable` and plans come from staff grants only (the plans list, the
# member's subscription summary and grants work); the rest of the platform works.
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLIC_KEY = env.str("STRIPE_PUBLIC_KEY", default="")
STRIPE_TEST_SECRET_KEY = "" if STRIPE_LIVE_MODE else STRIPE_SECRET_KEY
STRIPE_LIVE_SECRET_KEY = STRIPE_SECRET_KEY if STRIPE_LIVE_MODE else ""
# The webhook: Stripe posts to /api/v1/stripe/webhook/<STRIPE_WEBHOOK_UUID>/ and signs with
# the endpoint's secret (whsec_...); `manage.py billing_webhook_setup` stores both in
# dj-stripe's WebhookEndpoint row, which is what dj-stripe verifies against.
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_UUID = env.str("STRIPE_WEBHOOK_UUID", default="")
DJSTRIPE_SUBSCRIBER_MODEL = AUTH_USER_MODEL
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
DJSTRIPE_USE_NATIVE_JSONFIELD = True
# The user's UUID in the Stripe customer's metadata, under this key.
DJSTRIPE_SUBSCRIBER_CUSTOMER_KEY = "user_id"
# Plans by name, and what each includes: the one table that /billing/plans shows and that
# accounts.entitlements checks. `features` are what the plan unlocks (a feature no plan lists
# is free for everyone), `limits` counts the plan allows, `prices` the Stripe prices that sell
# it; AI quotas per plan live in AI_QUOTAS under the same names. A member without a current
# subscription or grant is on DEFAULT_PLAN. Override with BILLING_PLANS='{"premium": {...}}'.
BILLING_PLANS = env.json(
    "BILLING_PLANS",
    default={
        "free": {
            "prices": [],
            "features": [],
            "limits": {"conversations.practice_per_day": 3},
            "rank": 0,
        },
        "premium": {
            "prices": env.list("BILLING_PREMIUM_PRICES", default=[]),
            "features": [
                "coaching.plans",
                "coaching.tools",
                "community.messaging",
                "conversations.premium_scenarios",
            ],
            "limits": {"conversations.practice_per_day": 50},
            "rank": 1,
        },
    },
)
# What each feature and limit of BILLING_PLANS is, in words: /billing/plans shows them.
BILLING_FEATURE_LABELS = env.json(
    "BILLING_FEATURE_LABELS",
    default={
        "coaching.plans": "AI development plans from your assessment and goals",
        "coaching.tools": "Career toolkit: AI roadmap, brand, content and document generators",
        "community.messaging": "Direct messages with other members",
        "conversations.premium_scenarios": "Premium practice scenarios",
        "conversations.practice_per_day": "Practice conversations per day",
    },
)
# A past_due subscription keeps its plan this many days after its unpaid period began.
BILLING_PAST_DUE_GRACE_DAYS = env.int("BILLING_PAST_DUE_GRACE_DAYS", default=7)
# Seconds a member's plan is cached; webhook handlers drop the entry when it changes.
BILLING_PLAN_CACHE_SECONDS = env.int("BILLING_PLAN_CACHE_SECONDS", default=300)
# Where Stripe Checkout and the customer portal send the member back: the front end's
# billing pages. Stripe takes only absolute URLs, so without FRONTEND_URL the same paths
# go under the platform's address (PUBLIC_URL, else the address of `make run`).
_BILLING_RETURN_BASE = FRONTEND_URL or PUBLIC_URL or "http://127.0.0.1:8000"
BILLING_SUCCESS_URL = env.str(
    "BILLING_SUCCESS_URL",
    default=f"{_BILLING_RETURN_BASE}/billing/success?session_id={{CHECKOUT_SESSION_ID}}",
)
BILLING_CANCEL_URL = env.str("BILLING_CANCEL_URL", default=f"{_BILLING_RETURN_BASE}/billing/cancel")
BILLING_PORTAL_RETURN_URL = env.str(
    "BILLING_PORTAL_RETURN_URL", default=f"{_BILLING_RETURN_BASE}/billing"
)

# --- Community (community/) ------------------------------------------------------------------
# Minutes during which an author may edit or delete a post or comment.
COMMUNITY_EDIT_WINDOW_MINUTES = env.int("COMMUNITY_EDIT_WINDOW_MINUTES", default=15)
# Distinct members whose reports hide a post until staff review it.
COMMUNITY_REPORTS_TO_HIDE = env.int("COMMUNITY_REPORTS_TO_HIDE", default=3)
# When a member is erased, keep their messages for the other party with the author shown as
# a deleted member (True), or delete them (False).
COMMUNITY_KEEP_MESSAGES = env.bool("COMMUNITY_KEEP_MESSAGES", default=True)
# How long a typing indicator lasts unless the client sends another typing frame.
COMMUNITY_TYPING_TTL_SECONDS = env.int("COMMUNITY_TYPING_TTL_SECONDS", default=6)
# A member who has not read a new message after this long is alerted (in the app and by
# email, per their preferences), once per run of unread messages in a conversation.
COMMUNITY_MESSAGE_ALERT_DELAY_SECONDS = env.int(
    "COMMUNITY_MESSAGE_ALERT_DELAY_SECONDS", default=600
)

# Members recommended to connect with (GET /community/recommendations), and how many
# candidates are scored to find them (those in the caller's industry or a nearby tier
# first, then the newest).
COMMUNITY_RECOMMENDATIONS_LIMIT = env.int("COMMUNITY_RECOMMENDATIONS_LIMIT", default=10)
COMMUNITY_RECOMMENDATIONS_POOL = env.int("COMMUNITY_RECOMMENDATIONS_POOL", default=500)

# --- Coaching (coaching/) --------------------------------------------------------------------
# XP per level: level n starts at COACHING_XP_PER_LEVEL * n * (n - 1) / 2 XP (1, 2, 3... steps).
COACHING_XP_PER_LEVEL = env.int("COACHING_XP_PER_LEVEL", default=100)
# Plans and AI tool artifacts whose generation failed are purged after this many days.
COACHING_FAILED_RETENTION_DAYS = env.int("COACHING_FAILED_RETENTION_DAYS", default=30)
# XP for checking off a development plan's action (the first time only).
COACHING_XP_PER_ACTION = env.int("COACHING_XP_PER_ACTION", default=10)

# --- Marketplace: bookings (marketplace/services/bookings.py) ------------------------------
# A priced booking holds its slot this long for the payment; then the hold expires.
MARKETPLACE_HOLD_MINUTES = env.int("MARKETPLACE_HOLD_MINUTES", default=15)
MARKETPLACE_QUOTE_MINUTES = env.int("MARKETPLACE_QUOTE_MINUTES", default=30)  # a quote's life
# A confirmed booking's reminders, minutes before its start (marketplace/services/reminders.py).
MARKETPLACE_REMINDER_OFFSETS = env.list(
    "MARKETPLACE_REMINDER_OFFSETS", cast=int, default=[1440, 60]
)
# Periodic work of the marketplace (marketplace/tasks.py).
CELERY_BEAT_SCHEDULE.update(
    {
        "marketplace-bookings-complete": {
            "task": "marketplace.tasks.bookings_complete",
            "schedule": 300.0,
        },
        # Lapsed holds expire and their payment intents are cancelled.
        "marketplace-holds-expire": {
            "task": "marketplace.tasks.holds_expire",
            "schedule": 60.0,
        },
        # The catalogue's cached next free times that time has overtaken.
        "marketplace-next-available": {
            "task": "marketplace.tasks.next_available_refresh_stale",
            "schedule": 600.0,
        },
    }
)

# --- CRM (crm/) ---------------------------------------------------------------------------
# Meta's Graph API (crm/graph.py): Facebook Pages, Instagram and WhatsApp's Cloud API. The
# version is a setting because Meta retires each one about two years after its release.
# Without an app id and secret, connecting an account answers 503 social_unavailable.
CRM_GRAPH_BASE_URL = env.str("CRM_GRAPH_BASE_URL", default="https://graph.facebook.com")
CRM_GRAPH_VERSION = env.str("CRM_GRAPH_VERSION", default="v21.0")
CRM_META_APP_ID = env.str("CRM_META_APP_ID", default="")
CRM_META_APP_SECRET = env.str("CRM_META_APP_SECRET", default="")
# Seconds to open a connection to Meta, and to wait on each read or write of one call. The
# client retries nothing: a publish whose answer timed out may have happened all the same.
CRM_GRAPH_CONNECT_TIMEOUT = env.float("CRM_GRAPH_CONNECT_TIMEOUT", default=5.0)
CRM_GRAPH_TIMEOUT = env.float("CRM_GRAPH_TIMEOUT", default=30.0)

# --- REST API -----------------------------------------------------------------------------

# Hostile input (core.parsers, core.middleware): the largest request body taken, in bytes
# (deploy/nginx.conf's client_max_body_size is the same, 2m: keep them equal), and the
# deepest nesting of JSON in bodies and socket frames. Django's own limit on request.body
# follows, so every path reports an oversized body the same way (413).
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

THROTTLE_RATES = {
    "anon": "120/min",
    "user": "600/min",
    "auth": "20/min",
    "ai": "30/min",
    "messaging": "60/min",
    # Posts, comments, likes and reports, per member (community/views/posts.py).
    "community_write": "30/min",
    # Bookings, quotes, seats, feedback and the coach's own pages, per member
    # (marketplace/views/throttles.py).
    "marketplace_write": "60/min",
    # Customers, interactions and the CRM's settings, per member (crm/views/throttles.py).
    "crm_write": "60/min",
}
THROTTLE_RATES.update(env.dict("THROTTLE_RATES", default={}))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "core.exceptions.ExceptionHandler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Platform API",
    "DESCRIPTION": (
        "One backend for AI coaching, conversation practice, the career-change toolkit, "
        "the micro-entrepreneur CRM and the members' network. Authenticate with "
        "`Authorization: Bearer <access JWT>` from `POST /api/v1/auth/login`. Errors share "
        "one envelope: `{type, errors: [{code, detail, attr}]}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "MessageStatusEnum": "community.models.Message.Status",
        "DifficultyEnum": "conversations.models.Difficulty",
        "ConversationKindEnum": "conversations.models.Conversation.Kind",
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "ConversationMessageStatusEnum": "conversations.models.Message.Status",
        "ConversationMessageRoleEnum": "conversations.models.Message.Role",
        "ConversationTitleSourceEnum": "conversations.models.Conversation.TitleSource",
        "MarketplaceCourseKindEnum": "marketplace.models.Course.Kind",
        "MarketplaceBookingKindEnum": "marketplace.models.Booking.Kind",
        "MarketplaceBookingStatusEnum": "marketplace.models.Booking.Status",
        "MarketplacePaymentStatusEnum": "marketplace.models.Booking.PaymentStatus",
        "MarketplacePartyEnum": "marketplace.models.Booking.Party",
        "MarketplaceBookingActionEnum": "marketplace.models.BookingEvent.Action",
        "CrmCustomerStatusEnum": "crm.models.Customer.Status",
        "CrmInteractionKindEnum": "crm.models.Interaction.Kind",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "user-agent",
)

# --- Email --------------------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Platform <no-reply@localhost>")
EMAIL_SUBJECT_PREFIX = ""

# --- Internationalisation, static files ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves /static/ from every process (daphne in `make run`, gunicorn, uvicorn),
# so Swagger UI, Redoc and the admin work with no other server. With DEBUG it reads the
# apps' static directories as they are, edits included, so `make run` needs no
# collectstatic; production serves what the image collected (production.py, Dockerfile).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
    },
}
