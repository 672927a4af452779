"""The micro-entrepreneur's CRM: customers, their interactions, referrals with a points
ledger, and follow-ups. Every row has an ``owner``, the member whose book it is.

Contact details (email, phone) are encrypted at rest; each keeps a blind index beside it
(``crm.contacts.contact_index``: the owner and the field are mixed in) for exact lookups and
for the per-owner uniqueness that stops duplicates.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.encryption import EncryptedTextField
from core.models import BaseModel

INDEX_LENGTH = 64  # a hex SHA-256


class CrmSettings(BaseModel):
    """One member's CRM preferences; a member without a row gets the defaults."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_settings"
    )
    default_phone_region = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 alpha-2, for numbers typed without +."
    )
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA; blank: the profile's.")
    referral_points = models.PositiveIntegerField(default=100)
    referee_points = models.PositiveIntegerField(default=0)
    reward_delay_hours = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "CRM settings"
        verbose_name_plural = "CRM settings"

    def __str__(self) -> str:
        return f"CRM settings of {self.owner_id}"


class Tag(BaseModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_tags"
    )
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="crm_tag_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(BaseModel):
    class Status(models.TextChoices):
        LEAD = "lead", "lead"
        ACTIVE = "active", "active"
        INACTIVE = "inactive", "inactive"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_customers"
    )
    name = models.CharField(max_length=200)
    email = EncryptedTextField(blank=True)
    email_index = models.CharField(max_length=INDEX_LENGTH, blank=True)
    phone = EncryptedTextField(blank=True, help_text="E.164 once decrypted.")
    phone_index = models.CharField(max_length=INDEX_LENGTH, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.LEAD)
    notes = models.TextField(blank=True, help_text="HTML-safe text (sanitised on write).")
    source = models.CharField(max_length=100, blank=True)
    birthday = models.DateField(null=True, blank=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    whatsapp_opt_in_at = models.DateTimeField(null=True, blank=True)
    whatsapp_opt_in_source = models.CharField(max_length=100, blank=True)
    last_inbound_whatsapp_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("view_contact_details", "Can see customers' and referees' email and phone"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "email_index"],
                condition=~Q(email_index=""),
                name="crm_customer_unique_email",
            ),
            models.UniqueConstraint(
                fields=["owner", "phone_index"],
                condition=~Q(phone_index=""),
                name="crm_customer_unique_phone",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "created_at"], name="crm_customer_owner_created"),
            models.Index(
                fields=["owner", "last_contacted_at"], name="crm_customer_owner_contacted"
            ),
            models.Index(fields=["owner", "status"], name="crm_customer_owner_status"),
        ]

    def __str__(self) -> str:
        return self.name


class Interaction(BaseModel):
    class Kind(models.TextChoices):
        CALL = "call", "call"
        MESSAGE = "message", "message"
        WHATSAPP = "whatsapp", "WhatsApp"
        EMAIL = "email", "email"
        VISIT = "visit", "visit"
        SALE = "sale", "sale"
        NOTE = "note", "note"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_interactions"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=50, blank=True)
    amount = models.BigIntegerField(null=True, blank=True, help_text="Minor units (a sale).")
    currency = models.CharField(max_length=3, blank=True)
    notes = models.TextField(blank=True, help_text="HTML-safe text (sanitised on write).")

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="crm_interaction_timeline"),
            models.Index(fields=["owner", "occurred_at"], name="crm_interaction_owner_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="crm_interaction_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Referral(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        CONVERTED = "converted", "converted"
        REWARDED = "rewarded", "rewarded"
        VOID = "void", "void"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_referrals"
    )
    referrer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="referrals_made")
    referee = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_received",
    )
    referee_name = models.CharField(max_length=200, blank=True)
    referee_email = EncryptedTextField(blank=True)
    referee_email_index = models.CharField(max_length=INDEX_LENGTH, blank=True)
    referee_phone = EncryptedTextField(blank=True)
    referee_phone_index = models.CharField(max_length=INDEX_LENGTH, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    conversion_ref = models.CharField(max_length=100, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    rewarded_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True, help_text="HTML-safe text (sanitised on write).")

    class Meta:
        constraints = [
            # A person is referred once (void referrals do not count).
            models.UniqueConstraint(
                fields=["owner", "referee_email_index"],
                condition=~Q(referee_email_index="") & ~Q(status="void"),
                name="crm_referral_unique_email",
            ),
            models.UniqueConstraint(
                fields=["owner", "referee_phone_index"],
                condition=~Q(referee_phone_index="") & ~Q(status="void"),
                name="crm_referral_unique_phone",
            ),
            models.UniqueConstraint(
                fields=["owner", "referee"],
                condition=Q(referee__isnull=False) & ~Q(status="void"),
                name="crm_referral_unique_referee",
            ),
            models.UniqueConstraint(
                fields=["owner", "conversion_ref"],
                condition=~Q(conversion_ref="") & ~Q(status="void"),
                name="crm_referral_unique_conversion",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"], name="crm_referral_owner_status"),
            models.Index(fields=["owner", "created_at"], name="crm_referral_owner_created"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.status})"


class PointsEntry(BaseModel):
    """One signed move of a customer's points. Never edited or deleted: an undo is an
    opposite entry. ``key`` makes each grant happen once (``referral:{id}:reward``)."""

    class Kind(models.TextChoices):
        REWARD = "reward", "reward"
        REVERSAL = "reversal", "reversal"
        REDEMPTION = "redemption", "redemption"
        ADJUSTMENT = "adjustment", "adjustment"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_points_entries"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="points_entries")
    delta = models.IntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="points_entries"
    )
    note = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name_plural = "points entries"
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="crm_points_owner_created"),
            models.Index(fields=["customer", "-created_at"], name="crm_points_customer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} ({self.kind})"


class RewardBalance(BaseModel):
    """A customer's points, moved with ``F()`` beside each entry; never below zero."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_reward_balances"
    )
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="reward_balance"
    )
    points = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=0), name="crm_reward_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points} points"


class FollowUp(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DONE = "done", "done"
        CANCELLED = "cancelled", "cancelled"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_follow_ups"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField()
    tz = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True, help_text="HTML-safe text (sanitised on write).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    scheduled = models.ForeignKey(
        "notifications.ScheduledNotification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="crm_follow_up_owner_due"),
            models.Index(fields=["customer", "status", "due_at"], name="crm_follow_up_customer"),
        ]

    def __str__(self) -> str:
        return f"Follow-up at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"


class CustomerImport(BaseModel):
    """A CSV import too large to answer in the request, run by ``crm.tasks.import_run``. The
    file's text is kept only until the run ends; the row-by-row report stays."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_imports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True, help_text="The uploaded CSV; blanked when done.")
    mapping = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"], name="crm_import_owner_created")]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"


class AssistRequest(BaseModel):
    """A question to the CRM assistant and, through its generation, the answer."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_assist_requests"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.TextField(help_text="HTML-safe text (sanitised on write).")
    generation = models.ForeignKey(
        "ai.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"], name="crm_assist_owner_created")]

    def __str__(self) -> str:
        return f"Assist request {self.pk}"


class SocialAccount(BaseModel):
    """A Facebook Page, an Instagram business account or a WhatsApp Business number the owner
    publishes or sends through. Tokens are encrypted and never leave the server."""

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", "Facebook Page"
        INSTAGRAM = "instagram", "Instagram"
        WHATSAPP = "whatsapp", "WhatsApp Business"

    class Status(models.TextChoices):
        PENDING_SELECTION = "pending_selection", "pending selection"
        ACTIVE = "active", "active"
        NEEDS_REAUTH = "needs_reauth", "needs reconnection"
        DISCONNECTED = "disconnected", "disconnected"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_social_accounts"
    )
    platform = models.CharField(max_length=10, choices=Platform.choices)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="Page, Instagram user or phone number id."
    )
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING_SELECTION
    )
    access_token = EncryptedTextField(blank=True, help_text="The token calls are made with.")
    user_token = EncryptedTextField(blank=True, help_text="The long-lived user token.")
    token_obtained_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    choices = models.JSONField(
        default=list, blank=True, help_text="[{external_id, name}] while pending selection."
    )
    business_account_id = models.CharField(
        max_length=100, blank=True, help_text="WhatsApp: the business account (templates)."
    )
    last_error = models.CharField(max_length=500, blank=True)
    reauth_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "platform", "external_id"],
                condition=~Q(external_id=""),
                name="crm_social_account_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"], name="crm_social_account_owner"),
            models.Index(fields=["platform", "external_id"], name="crm_social_account_ext"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.name or self.external_id}"


class ScheduledPost(BaseModel):
    """A post to a Page feed or to Instagram at ``scheduled_at``, published once by the beat
    dispatcher (``crm.services.posts``)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "scheduled"
        PUBLISHING = "publishing", "publishing"
        PUBLISHED = "published", "published"
        FAILED = "failed", "failed"
        UNCONFIRMED = "unconfirmed", "unconfirmed"
        CANCELLED = "cancelled", "cancelled"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_posts"
    )
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField(blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    link = models.URLField(max_length=1000, blank=True)
    scheduled_at = models.DateTimeField()
    tz = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    publish_started_at = models.DateTimeField(null=True, blank=True)
    container_id = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    permalink = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error_detail = models.CharField(max_length=1000, blank=True)
    error_platform_code = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["scheduled_at"],
                condition=Q(status="scheduled"),
                name="crm_post_due",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="publishing"),
                name="crm_post_publishing",
            ),
            models.Index(fields=["owner", "scheduled_at"], name="crm_post_owner_scheduled"),
            models.Index(fields=["account", "status"], name="crm_post_account_status"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} ({self.status})"


class PostAttempt(BaseModel):
    """One call made for a post, with what the platform answered."""

    class Outcome(models.TextChoices):
        OK = "ok", "ok"
        RETRY = "retry", "will retry"
        FAILED = "failed", "failed"
        UNKNOWN = "unknown", "outcome unknown"
        REAUTH = "reauth", "needs reconnection"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_post_attempts"
    )
    post = models.ForeignKey(ScheduledPost, on_delete=models.CASCADE, related_name="attempt_log")
    phase = models.CharField(max_length=20)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    platform_code = models.IntegerField(null=True, blank=True)
    platform_subcode = models.IntegerField(null=True, blank=True)
    message = models.CharField(max_length=1000, blank=True)
    fbtrace_id = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True, help_text="The platform's answer, cut to 4 KB.")

    class Meta:
        indexes = [models.Index(fields=["post", "created_at"], name="crm_post_attempt_post")]

    def __str__(self) -> str:
        return f"{self.phase}: {self.outcome}"


class WhatsAppMessage(BaseModel):
    """A WhatsApp message sent to or received from a customer. ``external_id`` (Meta's
    ``wamid``) is unique, so a redelivered webhook changes nothing."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "outbound"
        INBOUND = "inbound", "inbound"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "accepted"
        SENT = "sent", "sent"
        DELIVERED = "delivered", "delivered"
        READ = "read", "read"
        FAILED = "failed", "failed"
        RECEIVED = "received", "received"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_whatsapp_messages"
    )
    account = models.ForeignKey(
        SocialAccount, null=True, on_delete=models.SET_NULL, related_name="whatsapp_messages"
    )
    customer = models.ForeignKey(
        Customer, null=True, on_delete=models.CASCADE, related_name="whatsapp_messages"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    text = models.TextField(blank=True)
    template = models.CharField(max_length=512, blank=True)
    language = models.CharField(max_length=15, blank=True)
    params = models.JSONField(default=list, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error_detail = models.CharField(max_length=1000, blank=True)
    error_platform_code = models.IntegerField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="crm_whatsapp_unique_external",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="crm_whatsapp_customer"),
        ]

    def __str__(self) -> str:
        return f"WhatsApp {self.direction} ({self.status})"
