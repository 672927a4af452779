"""Export and erasure of the CRM's rows: all of a member's CRM is theirs and goes with them.

Contact details are exported decrypted (the member's own book); nothing here holds a token.
Erasure deletes every row (the default), customers last-cascading their interactions,
referrals, ledger and follow-ups.
"""

from core import privacy

from .models import (
    CrmSettings,
    Customer,
    FollowUp,
    Interaction,
    PointsEntry,
    Referral,
    RewardBalance,
    Tag,
)

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
