"""Export and erasure of the CRM's rows: all of a member's CRM is theirs and goes with them.

Contact details are exported decrypted (the member's own book); nothing here holds a token.
Erasure deletes every row (the default), customers last-cascading their interactions,
referrals, ledger and follow-ups. Social accounts are exported without their tokens; the
platform's raw answers to post attempts and finished import reports expire.
"""

from datetime import timedelta

from core import privacy

from .models import (
    AssistRequest,
    CrmSettings,
    Customer,
    CustomerImport,
    FollowUp,
    Interaction,
    PointsEntry,
    PostAttempt,
    Referral,
    RewardBalance,
    ScheduledPost,
    SocialAccount,
    Tag,
    WhatsAppMessage,
)

ATTEMPT_RETENTION_DAYS = 90
IMPORT_RETENTION_DAYS = 30

privacy.register(
    CrmSettings,
    user_field="owner",
    export_fields=(
        "default_phone_region",
        "timezone",
        "referral_points",
        "referee_points",
        "reward_delay_hours",
        "updated_at",
    ),
)
privacy.register(Tag, user_field="owner", export_fields=("id", "name", "created_at"))
privacy.register(
    Customer,
    user_field="owner",
    export_fields=(
        "id",
        "name",
        "email",
        "phone",
        "status",
        "notes",
        "source",
        "birthday",
        "last_contacted_at",
        "whatsapp_opt_in_at",
        "whatsapp_opt_in_source",
        "last_inbound_whatsapp_at",
        "created_at",
        "updated_at",
    ),
)
privacy.register(
    Interaction,
    user_field="owner",
    export_fields=(
        "id",
        "customer_id",
        "kind",
        "occurred_at",
        "channel",
        "amount",
        "currency",
        "notes",
        "created_at",
    ),
)
privacy.register(
    Referral,
    user_field="owner",
    export_fields=(
        "id",
        "referrer_id",
        "referee_id",
        "referee_name",
        "referee_email",
        "referee_phone",
        "status",
        "conversion_ref",
        "converted_at",
        "rewarded_at",
        "voided_at",
        "void_reason",
        "notes",
        "created_at",
    ),
)
privacy.register(
    PointsEntry,
    user_field="owner",
    export_fields=("id", "customer_id", "delta", "kind", "referral_id", "note", "created_at"),
)
privacy.register(
    RewardBalance, user_field="owner", export_fields=("customer_id", "points", "updated_at")
)
privacy.register(
    FollowUp,
    user_field="owner",
    export_fields=("id", "customer_id", "due_at", "tz", "note", "status", "created_at"),
)
privacy.register(
    CustomerImport,
    user_field="owner",
    export_fields=(
        "id",
        "status",
        "filename",
        "rows",
        "created",
        "skipped",
        "errors",
        "finished_at",
        "created_at",
    ),
    retention=lambda now: CustomerImport.objects.filter(
        finished_at__lt=now - timedelta(days=IMPORT_RETENTION_DAYS)
    ),
    retention_note=f"finished imports: {IMPORT_RETENTION_DAYS} days",
)
privacy.register(
    AssistRequest,
    user_field="owner",
    export_fields=("id", "customer_id", "question", "generation_id", "created_at"),
)
privacy.register(
    SocialAccount,
    user_field="owner",
    export_fields=(
        "id",
        "platform",
        "external_id",
        "name",
        "status",
        "expires_at",
        "scopes",
        "created_at",
    ),
)
privacy.register(
    ScheduledPost,
    user_field="owner",
    export_fields=(
        "id",
        "account_id",
        "text",
        "image_url",
        "link",
        "scheduled_at",
        "tz",
        "status",
        "external_id",
        "permalink",
        "published_at",
        "error_code",
        "error_detail",
        "created_at",
    ),
)
privacy.register(
    PostAttempt,
    user_field="owner",
    export_fields=(
        "id",
        "post_id",
        "phase",
        "outcome",
        "http_status",
        "platform_code",
        "message",
        "created_at",
    ),
    retention=lambda now: PostAttempt.objects.filter(
        created_at__lt=now - timedelta(days=ATTEMPT_RETENTION_DAYS)
    ),
    retention_note=f"post attempts: {ATTEMPT_RETENTION_DAYS} days",
)
privacy.register(
    WhatsAppMessage,
    user_field="owner",
    export_fields=(
        "id",
        "customer_id",
        "direction",
        "status",
        "text",
        "template",
        "language",
        "params",
        "error_code",
        "error_detail",
        "created_at",
    ),
)
