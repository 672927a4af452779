"""The marketplace API (docs/API.md, "marketplace"), mounted under ``marketplace/`` by
config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import availability
from .views import bookings as booking_views
from .views import catalogue as catalogue_views
from .views import coaches as coach_views

app_name = "marketplace"

urlpatterns: list = [
    path(
        "coaches/<uuid:pk>/availability",
        availability.AvailabilityView.as_view(),
        name="coach-availability",
    ),
    # --- bookings ---
    path(
        "bookings",
        booking_views.BookingViewSet.as_view({"get": "list", "post": "create"}),
        name="bookings",
    ),
    path(
        "bookings/<uuid:pk>",
        booking_views.BookingViewSet.as_view({"get": "retrieve"}),
        name="booking",
    ),
    path(
        "bookings/<uuid:pk>/reschedule",
        booking_views.BookingViewSet.as_view({"post": "reschedule"}),
        name="booking-reschedule",
    ),
    path(
        "bookings/<uuid:pk>/cancel",
        booking_views.BookingViewSet.as_view({"post": "cancel"}),
        name="booking-cancel",
    ),
    path(
        "bookings/<uuid:pk>/history",
        booking_views.BookingViewSet.as_view({"get": "history"}),
        name="booking-history",
    ),
]

# --- the catalogue and the coach's own management ---
catalogue_router = SimpleRouter(trailing_slash=False, use_regex_path=False)
catalogue_router.register("coaches", catalogue_views.CoachViewSet, basename="coach")
catalogue_router.register("courses", catalogue_views.CourseViewSet, basename="course")
catalogue_router.register("me/coach/courses", coach_views.MeCourseViewSet, basename="my-course")
urlpatterns += [
    path(
        "coaches/<uuid:pk>/publish",
        catalogue_views.CoachPublishView.as_view(),
        name="coach-publish",
    ),
    path("me/coach", coach_views.MeCoachView.as_view(), name="my-coach"),
    path("me/coach/schedule", coach_views.MeScheduleView.as_view(), name="my-schedule"),
    path("me/coach/overrides", coach_views.MeOverridesView.as_view(), name="my-overrides"),
    path(
        "me/coach/overrides/<str:date>",
        coach_views.MeOverrideDetailView.as_view(),
        name="my-override",
    ),
    *catalogue_router.urls,
]

# --- after a session: feedback, no-shows; a coach's performance ---
from .views import feedback as feedback_views  # noqa: E402
from .views import performance as performance_views  # noqa: E402

urlpatterns += [
    path(
        "bookings/<uuid:pk>/feedback",
        feedback_views.BookingFeedbackView.as_view(),
        name="booking-feedback",
    ),
    path(
        "bookings/<uuid:pk>/no-show",
        feedback_views.BookingNoShowView.as_view(),
        name="booking-no-show",
    ),
    path(
        "coaches/<uuid:pk>/feedback",
        feedback_views.CoachFeedbackView.as_view(),
        name="coach-feedback",
    ),
    path(
        "coaches/<uuid:pk>/performance",
        performance_views.CoachPerformanceView.as_view(),
        name="coach-performance",
    ),
]

# --- group sessions and quotes ---
from .views import quotes as quote_views  # noqa: E402
from .views import sessions as session_views  # noqa: E402

urlpatterns += [
    path("me/coach/sessions", session_views.MeSessionsView.as_view(), name="my-sessions"),
    path(
        "me/coach/sessions/<uuid:pk>",
        session_views.MeSessionDetailView.as_view(),
        name="my-session",
    ),
    path("quotes", quote_views.QuoteView.as_view(), name="quotes"),
]

# --- calendars ---
from .views import calendars as calendar_views  # noqa: E402

urlpatterns += [
    path("bookings/<uuid:pk>/ics", calendar_views.BookingIcsView.as_view(), name="booking-ics"),
    path("me/calendar-feed", calendar_views.CalendarFeedView.as_view(), name="my-calendar-feed"),
    path(
        "calendar/<str:token>.ics",
        calendar_views.CalendarFeedIcsView.as_view(),
        name="calendar-feed-ics",
    ),
]
