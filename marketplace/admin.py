"""The marketplace's admin: coaches (with their courses, weekly hours and date overrides
inline, and the publish/unpublish actions), courses, bookings with their history
(read-only) and feedback (read-only).

Coaches, bookings and feedback are members' data: opening or changing them is written to
the audit log by ``AuditedModelAdmin``; publishing goes through the same service as the
API, which writes its own audit entry.
"""

from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin
from core.audit import AuditedModelAdmin
from core.exceptions import Conflict

from .models import Booking, BookingEvent, Coach, Course, DateOverride, Feedback, WeeklyRule
from .services import coaches as services


class CourseInline(admin.TabularInline):
    model = Course
    extra = 0
    fields = [
        "title",
        "kind",
        "duration_minutes",
        "slot_interval_minutes",
        "price_amount",
        "currency",
        "capacity",
        "active",
    ]
    show_change_link = True


class WeeklyRuleInline(admin.TabularInline):
    model = WeeklyRule
    extra = 0
    fields = ["weekday", "start_time", "end_time"]


class DateOverrideInline(admin.TabularInline):
    model = DateOverride
    extra = 0
    fields = ["date", "start_time", "end_time"]


@admin.register(Coach)
class CoachAdmin(AuditedModelAdmin):
    """Coaches' profiles and policies. Publish or withdraw them with the actions (or the
    API's ``PATCH coaches/{id}/publish``); both are audited."""

    subject_field = "user_id"
    list_display = ["__str__", "user", "published", "published_at", "rating_count", "created_at"]
    list_filter = ["published", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "headline"]
    show_full_result_count = False
    fields = [
        "user",
        "published",
        "published_at",
        "headline",
        "bio",
        "specialties",
        "languages",
        "timezone",
        "min_notice_minutes",
        "booking_window_days",
        "daily_cap",
        "weekly_cap",
        "free_cancel_hours",
        "reschedule_limit",
        "rating_sum",
        "rating_count",
        "next_available_at",
        "created_at",
    ]
    readonly_fields = [
        "user",
        "published",
        "published_at",
        "rating_sum",
        "rating_count",
        "next_available_at",
        "created_at",
    ]
    inlines = [CourseInline, WeeklyRuleInline, DateOverrideInline]
    actions = ["publish_coaches", "unpublish_coaches"]

    def has_add_permission(self, request) -> bool:
        return False

    def _set_published(self, request, queryset, published: bool) -> int:
        changed = 0
        for coach in queryset:
            before = coach.published
            try:
                coach = services.coach_set_published(
                    coach=coach, published=published, actor=request.user, request=request
                )
            except Conflict as error:
                self.message_user(request, f"{coach}: {error.detail}", messages.WARNING)
                continue
            changed += coach.published != before
        return changed

    @admin.action(description="Publish selected coaches", permissions=["change"])
    def publish_coaches(self, request, queryset) -> None:
        count = self._set_published(request, queryset, True)
        self.message_user(request, f"Published {count} coach(es).", messages.SUCCESS)

    @admin.action(description="Unpublish selected coaches", permissions=["change"])
    def unpublish_coaches(self, request, queryset) -> None:
        count = self._set_published(request, queryset, False)
        self.message_user(request, f"Unpublished {count} coach(es).", messages.SUCCESS)


@admin.register(Course)
class CourseAdmin(AuditedModelAdmin):
    subject_field = "coach__user_id"
    list_display = ["title", "coach", "kind", "duration_minutes", "price_amount", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["coach"]
    search_fields = ["title", "coach__user__email"]
    show_full_result_count = False
    raw_id_fields = ["coach"]


class BookingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "created_at",
        "actor",
        "actor_user",
        "action",
        "old_start",
        "new_start",
        "reason",
    ]
    ordering = ["created_at", "id"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Bookings and their history, read-only: they change through the API only."""

    subject_field = "client_id"
    list_display = ["start", "coach", "client", "course", "status", "payment_status"]
    list_filter = ["status", "payment_status", "kind", "start"]
    list_select_related = ["coach", "client", "course"]
    search_fields = ["client__email", "coach__user__email", "payment_intent_id"]
    date_hierarchy = "start"
    show_full_result_count = False
    fields = readonly_fields = [
        "coach",
        "client",
        "course",
        "kind",
        "status",
        "start",
        "end",
        "blocked_start",
        "blocked_end",
        "capacity",
        "hold_expires_at",
        "version",
        "reschedule_count",
        "price_amount",
        "currency",
        "payment_status",
        "payment_intent_id",
        "paid_at",
        "amount_refunded",
        "note",
        "cancelled_by",
        "cancelled_at",
        "cancel_reason",
        "late_cancel",
        "no_show_party",
        "created_at",
    ]
    inlines = [BookingEventInline]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Clients' ratings of their sessions, read-only."""

    subject_field = "client_id"
    list_display = ["coach", "rating", "created_at"]
    list_filter = ["rating", "created_at"]
    list_select_related = ["coach"]
    search_fields = ["coach__user__email"]
    show_full_result_count = False
    fields = readonly_fields = ["booking", "client", "coach", "rating", "comment", "created_at"]
