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
