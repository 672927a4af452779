"""Factories of the marketplace's rows."""

import datetime as dt

import factory

from accounts.tests.factories import UserFactory


class CoachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "marketplace.Coach"

    user = factory.SubFactory(UserFactory)
    published = True
    published_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    headline = factory.Sequence(lambda n: f"Leadership coach {n}")
    bio = "Twenty years of helping managers grow."
    specialties = factory.LazyFunction(lambda: ["leadership", "career"])
    languages = factory.LazyFunction(lambda: ["en"])
    timezone = "America/New_York"
    min_notice_minutes = 0
    booking_window_days = 365


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "marketplace.Course"

    coach = factory.SubFactory(CoachFactory)
    title = factory.Sequence(lambda n: f"Coaching session {n}")
    description = "One hour, one topic."
    kind = "one_to_one"
    duration_minutes = 60
    slot_interval_minutes = 30
    price_amount = 0
    currency = "usd"
    capacity = 1


class WeeklyRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "marketplace.WeeklyRule"

    coach = factory.SubFactory(CoachFactory)
    weekday = 0
    start_time = dt.time(9, 0)
    end_time = dt.time(17, 0)


class DateOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "marketplace.DateOverride"

    coach = factory.SubFactory(CoachFactory)
    date = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7))
    start_time = dt.time(10, 0)
    end_time = dt.time(12, 0)


class BookingFactory(factory.django.DjangoModelFactory):
    """A confirmed one-to-one booking of ``course`` (its coach) at ``start`` (UTC), its
    blocked range padded with the course's buffers."""

    class Meta:
        model = "marketplace.Booking"

    course = factory.SubFactory(CourseFactory)
    coach = factory.LazyAttribute(lambda o: o.course.coach)
    client = factory.SubFactory(UserFactory)
    status = "confirmed"
    start = factory.LazyFunction(
        lambda: (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=o.course.duration_minutes))
    blocked_start = factory.LazyAttribute(
        lambda o: o.start - dt.timedelta(minutes=o.course.buffer_before_minutes)
    )
    blocked_end = factory.LazyAttribute(
        lambda o: o.end + dt.timedelta(minutes=o.course.buffer_after_minutes)
    )
    price_amount = factory.LazyAttribute(lambda o: o.course.price_amount)
    currency = factory.LazyAttribute(lambda o: o.course.currency)
