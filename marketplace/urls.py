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
