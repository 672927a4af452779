"""Coaches, courses, weekly hours and date overrides, bookings and their history, seats in
group sessions, quotes, feedback and calendar feeds.

Times: a coach's weekly hours (``WeeklyRule``) and overrides (``DateOverride``) are wall
clock in the coach's IANA time zone (``Coach.timezone``), read per local date; a booking's
``start``/``end`` are UTC instants. A booking occupies ``[blocked_start, blocked_end)``: its
session padded with the course's buffers, copied onto the row (with the duration and the
price) so a course edit never moves or reprices a booking.

No two blocking bookings of one coach overlap, as a database guarantee (migration 0002): a
PostgreSQL exclusion constraint over ``tstzrange(blocked_start, blocked_end, '[)')`` for the
statuses in ``BLOCKING``, and on SQLite triggers that abort an overlapping insert or update.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import BaseModel

# The statuses that occupy the coach's calendar: the exclusion constraint, the SQLite
# triggers and the availability selector all read this one tuple.
BLOCKING = ("held", "confirmed")


class Coach(BaseModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coach_profile",
        help_text="Empty once the coach's account is erased: the bookings keep their coach.",
    )
    published = models.BooleanField(default=False, help_text="Listed in the marketplace.")
    published_at = models.DateTimeField(null=True, blank=True)
    headline = models.CharField(max_length=160, blank=True)
    bio = models.TextField(max_length=5000, blank=True)
    specialties = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes.")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone.")
    # Policy.
    min_notice_minutes = models.PositiveIntegerField(default=240)
    booking_window_days = models.PositiveSmallIntegerField(default=60)
    daily_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Sessions per local day; empty: no cap."
    )
    weekly_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Sessions per local week (Monday to Sunday)."
    )
    free_cancel_hours = models.PositiveSmallIntegerField(default=24)
    reschedule_limit = models.PositiveSmallIntegerField(default=2)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    next_available_at = models.DateTimeField(
        null=True, blank=True, help_text="The next free start of any course (cached)."
    )

    class Meta:
        indexes = [models.Index(fields=["published", "-rating_count"], name="mkt_coach_listed")]

    def __str__(self) -> str:
        return self.headline or str(self.user_id)

    @property
    def rating_avg(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


class Course(BaseModel):
    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", "One to one"
        GROUP = "group", "Group"

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="courses")
    title = models.CharField(max_length=160)
    description = models.TextField(max_length=5000, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ONE_TO_ONE)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0)
    price_amount = models.PositiveIntegerField(default=0, help_text="Minor units; 0 is free.")
    currency = models.CharField(max_length=3, default="usd")
    capacity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["coach", "active"], name="mkt_course_coach")]

    def __str__(self) -> str:
        return self.title


class WeeklyRule(BaseModel):
    """Hours on one weekday (0 Monday - 6 Sunday), wall clock in the coach's time zone; an
    ``end_time`` of 00:00 is the end of the day."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="weekly_rules")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        indexes = [models.Index(fields=["coach", "weekday"], name="mkt_rule_coach")]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start_time}-{self.end_time}"


class DateOverride(BaseModel):
    """The hours of one local date, replacing that weekday's rules; a row without times is
    a day off. A date may have several rows (ranges)."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="date_overrides")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["coach", "date"], name="mkt_override_coach")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False),
                name="mkt_override_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time}-{self.end_time}"


class Quote(BaseModel):
    """The server's price for one start of one course, frozen into the booking that names
    it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="marketplace_quotes"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quotes")
    start = models.DateTimeField()
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    rule_version = models.CharField(max_length=32, default="static")
    variant = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Booking(BaseModel):
    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", "One to one"
        GROUP = "group", "Group session"

    class Status(models.TextChoices):
        HELD = "held", "Held for payment"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        NO_SHOW = "no_show", "No-show"

    class PaymentStatus(models.TextChoices):
        NONE = "none", "None"
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        REFUND_PENDING = "refund_pending", "Refund pending"
        REFUNDED = "refunded", "Refunded"

    class Party(models.TextChoices):
        CLIENT = "client", "Client"
        COACH = "coach", "Coach"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    coach = models.ForeignKey(Coach, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marketplace_bookings",
        help_text="Empty on a group session: its seats are enrolments.",
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="bookings")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ONE_TO_ONE)
    status = models.CharField(max_length=16, choices=Status.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_start = models.DateTimeField(help_text="The start less the buffer before.")
    blocked_end = models.DateTimeField(help_text="The end plus the buffer after.")
    capacity = models.PositiveSmallIntegerField(default=1)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    ical_sequence = models.PositiveIntegerField(default=0)
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    price_amount = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    quote = models.ForeignKey(
        Quote, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    payment_status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.NONE
    )
    payment_intent_id = models.CharField(max_length=255, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    amount_refunded = models.PositiveIntegerField(default=0)
    note = models.TextField(max_length=2000, blank=True)
    cancelled_by = models.CharField(max_length=8, choices=Party.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    late_cancel = models.BooleanField(default=False)
    no_show_party = models.CharField(max_length=8, choices=Party.choices, blank=True)
    reminder_ids = models.JSONField(
        default=list, blank=True, help_text="The scheduled reminders' ids (notifications)."
    )

    class Meta:
        indexes = [
            models.Index(fields=["coach", "status", "blocked_start"], name="mkt_booking_coach"),
            models.Index(fields=["client", "start"], name="mkt_booking_client"),
            models.Index(fields=["status", "hold_expires_at"], name="mkt_booking_holds"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="mkt_booking_end_after"),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start"), blocked_end__gte=F("end")),
                name="mkt_booking_blocked_covers",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False),
                name="mkt_booking_hold_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.start:%Y-%m-%d %H:%M}Z {self.status}"

    @property
    def blocking(self) -> bool:
        return self.status in BLOCKING


class BookingEvent(BaseModel):
    """One change of a booking, appended, never edited: its history."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        HELD = "held", "Held"
        CONFIRMED = "confirmed", "Confirmed"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"
        NO_SHOW = "no_show", "No-show"
        COMPLETED = "completed", "Completed"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    actor = models.CharField(max_length=8, choices=Booking.Party.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    old_start = models.DateTimeField(null=True, blank=True)
    new_start = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["booking", "created_at"], name="mkt_event_booking")]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor}"


class Enrolment(BaseModel):
    """A client's seat in a group session (a ``Booking`` of kind ``group``)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="enrolments")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="marketplace_enrolments"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "client"], name="mkt_enrolment_once")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} in {self.booking_id}"


class Feedback(BaseModel):
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="feedback")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="marketplace_feedback",
    )
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(max_length=2000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["coach", "-created_at"], name="mkt_feedback_coach")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="mkt_feedback_rating_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5"


class CalendarFeed(BaseModel):
    """A member's private iCalendar feed: the URL's random token is the credential, stored
    only as its keyed blind index; a new token replaces the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_index = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"feed of {self.user_id}"
