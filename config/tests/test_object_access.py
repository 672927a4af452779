"""Object-level authorisation, for every route of the API that takes an id in its path.

Every operation of the OpenAPI document with a path parameter has a case in ``CASES``: how
to make the owner's object (and which rows are its state), and what another member sends.
That member gets a 404 in the error envelope (a staff-only route: a 403), and neither the
owner's rows nor the row count of any table changes. A route whose id names no private
object (a member's public card, the counterpart of one's own conversation) is listed too,
with the status it answers and the reason. A route added without a case fails
``test_every_operation_with_a_path_parameter_has_a_case``, so every later app is covered.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Model, QuerySet
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import IsAdminUser

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from ai.providers.offline import answer_for
from ai.tests.factories import GenerationFactory
from coaching.ai_features import TOOL_FEATURES
from coaching.tests.factories import (
    ArtifactFactory,
    AssessmentResultFactory,
    DevelopmentPlanFactory,
    GoalFactory,
    PlanActionFactory,
    ProjectFactory,
    RecommendationFactory,
)
from community.tests.factories import BlockFactory, MessageFactory, PostFactory, TierFactory
from conversations.tests.factories import ScenarioFactory
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

# The permissions that make a route staff-only: a member is refused (403) before any lookup.
STAFF_ONLY_PERMISSIONS = (IsAdminUser,)

# Routes with a path parameter that the OpenAPI document leaves out, by URL route.
OUTSIDE_THE_SCHEMA = {
    "api/v1/stripe/webhook/<uuid:uuid>/": (
        "dj-stripe's webhook: the uuid is the endpoint's unguessable address, not an object, "
        "and Stripe's signature of the body is what authenticates a call "
        "(billing/tests/test_webhooks.py)."
    ),
}


# --- the owner's object -------------------------------------------------------------------


@dataclass
class Context:
    owner: Any
    caller: Any
    request: pytest.FixtureRequest

    @property
    def settings(self):
        return self.request.getfixturevalue("settings")


@dataclass
class Target:
    """The path parameters that name the owner's object, and the rows that are its state."""

    kwargs: dict[str, Any]
    # Querysets of rows, or functions returning any other state (a fake server's writes).
    watch: list[QuerySet | Callable[[], Any]] = field(default_factory=list)

    def snapshot(self) -> list:
        return [
            list(state.order_by("pk").values()) if isinstance(state, QuerySet) else state()
            for state in self.watch
        ]


def rows(*objects: Model) -> list[QuerySet]:
    return [type(obj)._base_manager.filter(pk=obj.pk) for obj in objects]


def by_id(obj: Model, *related: QuerySet) -> Target:
    return Target({"id": obj.pk}, [*rows(obj), *related])


def row_counts() -> dict[str, int]:
    """Rows in every table: a refused request writes nothing anywhere (no comment, like,
    copy, XP, notification, audit entry...), not only nothing to the owner's rows."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def hidden_post(ctx: Context) -> Target:
    # A visible post is public (read, liked, commented and reported by every member; edits
    # by another member are a 403, community/tests/test_posts.py). Its private state is a
    # hidden one: a 404 to everyone but its author and staff.
    post = PostFactory(author=ctx.owner, hidden_reason="staff", hidden_at=timezone.now())
    return by_id(post, post.comments.all(), post.likes.all(), post.reports.all())


def message_to_owner(ctx: Context) -> Target:
    message = MessageFactory(sender=UserFactory(), recipient=ctx.owner)
    return by_id(message)


def owners_conversation(ctx: Context) -> Target:
    message = MessageFactory(sender=ctx.owner, recipient=UserFactory())
    return Target({"user_id": message.conversation_id}, rows(message))


def owner_blocks_the_caller(ctx: Context) -> Target:
    block = BlockFactory(blocker=ctx.owner, blocked=ctx.caller)
    return Target({"user_id": ctx.owner.pk}, rows(block))


def owners_card(ctx: Context) -> Target:
    return Target({"id": ctx.owner.pk}, rows(ctx.owner, ctx.owner.profile))


def owners_membership(ctx: Context) -> Target:
    TierFactory(slug="gold")
    return Target(
        {"id": ctx.owner.pk},
        [apps.get_model("community", "Membership").objects.filter(user=ctx.owner)],
    )


def owners_account(ctx: Context) -> Target:
    return Target({"id": ctx.owner.pk}, rows(ctx.owner, ctx.owner.profile))


def owners_applied_recommendation(ctx: Context) -> Target:
    # A member recommended to the owner (a shared goal), whom the owner applied; the caller
    # shares nothing with them, so they are no recommendation of the caller's.
    ctx.owner.onboarding.goals = ["career_growth"]
    ctx.owner.onboarding.save(update_fields=["goals"])
    recommended = UserFactory(onboarding__goals=["career_growth"])
    applied = apps.get_model("community", "AppliedRecommendation").objects.create(
        viewer=ctx.owner, member=recommended
    )
    return Target({"member_id": recommended.pk}, rows(applied))


def failed_generation(ctx: Context) -> Target:
    # Failed, so that a retry would be accepted if the caller could reach it.
    return by_id(GenerationFactory(user=ctx.owner, failed=True))


def payment_intent(ctx: Context) -> Target:
    # Billing answers 503 without a key; with one, the lookup is what refuses. Stripe is
    # the fake on 127.0.0.1 (billing/tests/fake_stripe.py): nothing may be written to it.
    import stripe
    from djstripe.models import Customer, PaymentIntent

    from billing.tests.fake_stripe import FakeStripe, example

    fake = FakeStripe().start()
    previous = stripe.api_base, stripe.api_key
    stripe.api_base, stripe.api_key = fake.api_base, STRIPE_TEST_KEY
    ctx.request.addfinalizer(fake.stop)
    ctx.request.addfinalizer(lambda: setattr(stripe, "api_base", previous[0]))
    ctx.request.addfinalizer(lambda: setattr(stripe, "api_key", previous[1]))
    ctx.settings.STRIPE_SECRET_KEY = ctx.settings.STRIPE_TEST_SECRET_KEY = STRIPE_TEST_KEY

    customer = Customer.sync_from_stripe_data(
        fake.put(
            example(
                "customer", id="cus_owner", discount=None, metadata={"user_id": str(ctx.owner.pk)}
            )
        ),
        api_key=STRIPE_TEST_KEY,
    )
    customer.subscriber = ctx.owner
    customer.save(update_fields=["subscriber"])
    intent = PaymentIntent.sync_from_stripe_data(
        fake.put(example("payment_intent", id="pi_owner", customer="cus_owner")),
        api_key=STRIPE_TEST_KEY,
    )
    # The API names a payment by its Stripe id, not by dj-stripe's primary key.
    return Target({"id": intent.id}, [*rows(intent), lambda: fake.writes()])


STRIPE_TEST_KEY = "sk_test_0123456789abcdefghijklmn"


def plan_grant(ctx: Context) -> Target:
    from billing.services import grant_create

    return by_id(grant_create(user=ctx.owner, plan="premium", reason="support"))


def assessment_result(ctx: Context) -> Target:
    return by_id(AssessmentResultFactory(user=ctx.owner))


def goal(ctx: Context) -> Target:
    obj = GoalFactory(user=ctx.owner)
    return by_id(obj, obj.progress_entries.all())


def plan(ctx: Context) -> Target:
    obj = DevelopmentPlanFactory(user=ctx.owner)
    return by_id(obj)


def plan_action(ctx: Context) -> Target:
    action = PlanActionFactory(milestone__phase__plan__user=ctx.owner)
    return Target({"id": action.plan_id, "action_id": action.pk}, rows(action, action.plan))


def project(ctx: Context) -> Target:
    return by_id(ProjectFactory(user=ctx.owner))


def recommendation(ctx: Context) -> Target:
    return by_id(RecommendationFactory(user=ctx.owner))


def tool_content(kind: str, text: str) -> dict:
    """Content valid for the tool, as the offline provider writes it."""
    return answer_for(TOOL_FEATURES[kind].schema.model_json_schema(), text)


def artifact(kind: str) -> Callable[[Context], Target]:
    def make(ctx: Context) -> Target:
        obj = ArtifactFactory(user=ctx.owner, kind=kind, content=tool_content(kind, "Mine."))
        return by_id(obj, obj.versions.all())

    return make


def scenario(ctx: Context) -> Target:
    # The catalogue is shared; the caller has passed the age check, so context is theirs.
    from accounts.tests.factories import OnboardingFactory

    OnboardingFactory(user=ctx.caller, is_adult=True, age_verified_at=timezone.now())
    obj = ScenarioFactory()
    return Target({"slug": obj.slug}, rows(obj))


def owners_practice_conversation(ctx: Context) -> Target:
    # The caller has passed the age check: only the ownership can refuse them. A reply is
    # queued, so a cancel that got through would change it.
    from accounts.tests.factories import OnboardingFactory
    from conversations.tests.api_helpers import active_conversation

    OnboardingFactory(user=ctx.caller, is_adult=True, age_verified_at=timezone.now())
    conversation = active_conversation(ctx.owner)
    reply = conversation.messages.create(role="partner", status="queued")
    return Target(
        {"id": conversation.pk, "message_id": reply.pk},
        [*rows(conversation), conversation.messages.all()],
    )


def owners_coach_thread(ctx: Context) -> Target:
    from conversations.services.coach import thread_create

    thread = thread_create(user=ctx.owner)
    thread.messages.create(role="member", content="Mine.", status="complete")
    reply = thread.messages.create(role="partner", status="queued")
    return Target({"id": thread.pk, "message_id": reply.pk}, [*rows(thread), thread.messages.all()])


def notification(ctx: Context) -> Target:
    return by_id(NotificationFactory(user=ctx.owner))


def crm_customer(ctx: Context) -> Target:
    # The owner's customer with an interaction (crm/tests/test_customers.py).
    from crm.tests.factories import CustomerFactory, InteractionFactory

    customer = CustomerFactory(owner=ctx.owner, email="ada@example.com", tags=["vip"])
    InteractionFactory(customer=customer)
    return by_id(customer, customer.interactions.all(), customer.tags.all())


def crm_interaction(ctx: Context) -> Target:
    from crm.tests.factories import InteractionFactory

    interaction = InteractionFactory(customer__owner=ctx.owner)
    return by_id(interaction, *rows(interaction.customer))


def coach_availability(ctx: Context) -> Target:
    # The owner is a published coach with weekly hours and a course: their free sessions
    # are public (marketplace/tests/test_availability.py).
    from marketplace.tests.factories import CoachFactory, CourseFactory, WeeklyRuleFactory

    coach = CoachFactory(user=ctx.owner)
    CourseFactory(coach=coach)
    WeeklyRuleFactory(coach=coach)
    return Target({"id": coach.pk}, [*rows(coach), coach.bookings.all()])


def owners_booking(ctx: Context) -> Target:
    # The owner is the client of a confirmed booking; the caller is neither its client nor
    # its coach (marketplace/tests/test_bookings.py).
    from marketplace.tests.factories import BookingFactory

    booking = BookingFactory(client=ctx.owner)
    return by_id(booking, booking.events.all())


def published_coach(ctx: Context) -> Target:
    # The owner is a published coach with a course: the catalogue is public
    # (marketplace/tests/test_catalogue.py).
    from marketplace.tests.factories import CoachFactory, CourseFactory

    coach = CoachFactory(user=ctx.owner)
    CourseFactory(coach=coach)
    return by_id(coach, coach.courses.all())


def published_course(ctx: Context) -> Target:
    from marketplace.tests.factories import CoachFactory, CourseFactory

    course = CourseFactory(coach=CoachFactory(user=ctx.owner))
    return by_id(course)


def owners_unpublished_coach(ctx: Context) -> Target:
    from marketplace.tests.factories import CoachFactory

    return by_id(CoachFactory(user=ctx.owner, published=False, published_at=None))


def owners_course(ctx: Context) -> Target:
    # Both are coaches: only the ownership can refuse the caller.
    from marketplace.tests.factories import CoachFactory, CourseFactory

    CoachFactory(user=ctx.caller)
    return by_id(CourseFactory(coach=CoachFactory(user=ctx.owner)))


def owners_override(ctx: Context) -> Target:
    from marketplace.tests.factories import CoachFactory, DateOverrideFactory

    CoachFactory(user=ctx.caller)
    override = DateOverrideFactory(coach=CoachFactory(user=ctx.owner))
    return Target({"date": override.date.isoformat()}, rows(override))


def owners_calendar_feed(ctx: Context) -> Target:
    # The token in the address is the credential (calendar apps send no bearer token):
    # whoever holds it reads the feed (marketplace/tests/test_calendars.py).
    from marketplace.models import CalendarFeed
    from marketplace.services.calendars import calendar_feed_token
    from marketplace.tests.factories import BookingFactory

    BookingFactory(client=ctx.owner)
    token = calendar_feed_token(user=ctx.owner)
    return Target({"token": token}, rows(CalendarFeed.objects.get(user=ctx.owner)))


def owners_session(ctx: Context) -> Target:
    # Both are coaches; the owner's group session has a seat taken
    # (marketplace/tests/test_sessions.py).
    from marketplace.models import Enrolment
    from marketplace.tests.factories import BookingFactory, CoachFactory, CourseFactory

    CoachFactory(user=ctx.caller)
    course = CourseFactory(coach=CoachFactory(user=ctx.owner), kind="group", capacity=3)
    session = BookingFactory(course=course, kind="group", client=None, capacity=3)
    Enrolment.objects.create(booking=session, client=UserFactory())
    return by_id(session, session.enrolments.all(), session.events.all())


# --- the registry -------------------------------------------------------------------------

NO_BODY = None


@dataclass(frozen=True)
class Case:
    make: Callable[[Context], Target]
    body: dict | None = NO_BODY
    # 404 for another member's object; anything else says why in ``reason``.
    status: int = 404
    reason: str = ""
    # For an answer that is not a refusal: what its body must be.
    answer: Callable[[dict, Context, Target], Any] | None = None


def private(path: str, make: Callable[[Context], Target], **bodies: dict | None) -> dict:
    """The owner's private object at ``path``: every method given is a 404 to another member."""
    return {(method, path): Case(make, body) for method, body in bodies.items()}


API = "/api/v1"
TOMORROW = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()

CASES: dict[tuple[str, str], Case] = {
    # --- ai ---
    **private(f"{API}/ai/generations/{{id}}", failed_generation, GET=NO_BODY),
    **private(f"{API}/ai/generations/{{id}}/retry", failed_generation, POST=NO_BODY),
    # --- billing ---
    **private(
        f"{API}/billing/payment-intents/{{id}}/confirm",
        payment_intent,
        POST={"payment_method": "pm_card_visa"},
    ),
    ("DELETE", f"{API}/billing/grants/{{id}}"): Case(
        plan_grant,
        status=403,
        reason="Staff only: a member may not end anyone's grant, their own included.",
    ),
    # --- coaching ---
    **private(
        f"{API}/coaching/assessment/results/{{id}}",
        assessment_result,
        GET=NO_BODY,
        PUT={"notes": "x"},
        PATCH={"notes": "x"},
    ),
    **private(
        f"{API}/coaching/goals/{{id}}",
        goal,
        GET=NO_BODY,
        PATCH={"title": "x"},
        DELETE=NO_BODY,
    ),
    **private(
        f"{API}/coaching/plans/{{id}}",
        plan,
        GET=NO_BODY,
        PATCH={"title": "x"},
        DELETE=NO_BODY,
    ),
    **private(
        f"{API}/coaching/plans/{{id}}/actions/{{action_id}}", plan_action, PATCH={"done": True}
    ),
    **private(
        f"{API}/coaching/projects/{{id}}",
        project,
        GET=NO_BODY,
        PUT={"name": "x", "description": "x"},
        PATCH={"name": "x"},
        DELETE=NO_BODY,
    ),
    **private(f"{API}/coaching/projects/{{id}}/analytics", project, GET=NO_BODY),
    **private(f"{API}/coaching/projects/{{id}}/duplicate", project, POST={}),
    **private(f"{API}/coaching/recommendations/{{id}}/apply", recommendation, POST={}),
    **{
        key: case
        for kind in ("roadmap", "brand", "content", "document")
        for key, case in {
            **private(
                f"{API}/coaching/tools/{kind}/{{id}}",
                artifact(kind),
                GET=NO_BODY,
                PUT={"title": "x", "content": tool_content(kind, "x")},
                PATCH={"title": "x"},
                DELETE=NO_BODY,
            ),
            **private(f"{API}/coaching/tools/{kind}/{{id}}/export", artifact(kind), GET=NO_BODY),
            **private(f"{API}/coaching/tools/{kind}/{{id}}/versions", artifact(kind), GET=NO_BODY),
        }.items()
    },
    **private(
        f"{API}/coaching/tools/content/{{id}}/schedule",
        artifact("content"),
        POST={"publish_at": TOMORROW},
    ),
    # --- conversations ---
    ("GET", f"{API}/conversations/scenarios/{{slug}}"): Case(
        scenario,
        status=200,
        reason="Scenarios are a catalogue shared by every member: the slug names no "
        "member's object.",
        answer=lambda body, ctx, target: body["slug"] == target.kwargs["slug"],
    ),
    ("POST", f"{API}/conversations/scenarios/{{slug}}/context"): Case(
        scenario,
        body={"difficulty": "green"},
        status=202,
        reason="The slug names a shared scenario; the generation queued is the caller's own "
        "(conversations/tests/test_context.py).",
    ),
    **private(
        f"{API}/conversations/{{id}}",
        owners_practice_conversation,
        GET=NO_BODY,
        DELETE=NO_BODY,
    ),
    **private(
        f"{API}/conversations/{{id}}/messages",
        owners_practice_conversation,
        GET=NO_BODY,
        POST={"content": "Hello there"},
    ),
    **private(
        f"{API}/conversations/{{id}}/messages/{{message_id}}",
        owners_practice_conversation,
        GET=NO_BODY,
    ),
    **private(
        f"{API}/conversations/{{id}}/messages/{{message_id}}/cancel",
        owners_practice_conversation,
        POST=NO_BODY,
    ),
    **private(f"{API}/conversations/{{id}}/end", owners_practice_conversation, POST=NO_BODY),
    **private(f"{API}/conversations/{{id}}/feedback", owners_practice_conversation, GET=NO_BODY),
    **private(
        f"{API}/conversations/{{id}}/feedback/retry", owners_practice_conversation, POST=NO_BODY
    ),
    **private(
        f"{API}/conversations/coach/threads/{{id}}",
        owners_coach_thread,
        GET=NO_BODY,
        PUT={"title": "Theirs"},
        PATCH={"title": "Theirs"},
        DELETE=NO_BODY,
    ),
    **private(
        f"{API}/conversations/coach/threads/{{id}}/messages", owners_coach_thread, GET=NO_BODY
    ),
    **private(
        f"{API}/conversations/coach/threads/{{id}}/messages/{{message_id}}",
        owners_coach_thread,
        GET=NO_BODY,
    ),
    **private(
        f"{API}/conversations/coach/threads/{{id}}/messages/{{message_id}}/cancel",
        owners_coach_thread,
        POST=NO_BODY,
    ),
    # --- community ---
    (
        "GET",
        f"{API}/community/members/{{id}}",
    ): Case(
        owners_card,
        status=200,
        reason="The directory is the members' catalogue: a listed member's public card is "
        "shown to every member (an unlisted one is a 404, community/tests/test_directory.py).",
        answer=lambda body, ctx, target: body["id"] == str(ctx.owner.pk),
    ),
    ("GET", f"{API}/community/admin/members/{{id}}"): Case(
        owners_account,
        status=403,
        reason="Staff only: a member may not read staff's page of any account, their own included.",
    ),
    ("PATCH", f"{API}/community/admin/members/{{id}}"): Case(
        owners_account,
        body={"is_active": False},
        status=403,
        reason="Staff only: a member may not open or close any account, their own included.",
    ),
    **private(
        f"{API}/community/recommendations/{{member_id}}/apply",
        owners_applied_recommendation,
        POST=NO_BODY,
        DELETE=NO_BODY,
    ),
    ("PATCH", f"{API}/community/members/{{id}}/tier"): Case(
        owners_membership,
        body={"tier": "gold"},
        status=403,
        reason="Staff only: a member may not set anyone's tier, their own included.",
    ),
    **private(
        f"{API}/community/posts/{{id}}",
        hidden_post,
        GET=NO_BODY,
        PATCH={"content": "x"},
        DELETE=NO_BODY,
    ),
    **private(
        f"{API}/community/posts/{{id}}/comments",
        hidden_post,
        GET=NO_BODY,
        POST={"content": "x"},
    ),
    **private(f"{API}/community/posts/{{id}}/like", hidden_post, POST=NO_BODY, DELETE=NO_BODY),
    **private(f"{API}/community/posts/{{id}}/report", hidden_post, POST={"reason": "spam"}),
    ("POST", f"{API}/community/blocks/{{user_id}}"): Case(
        owner_blocks_the_caller,
        status=201,
        reason="The id names the member the caller blocks, not an object of theirs: "
        "blocking someone who blocked you is allowed and leaves their block as it was.",
        answer=lambda body, ctx, target: body["user"]["id"] == str(ctx.owner.pk),
    ),
    ("DELETE", f"{API}/community/blocks/{{user_id}}"): Case(
        owner_blocks_the_caller,
        status=204,
        reason="The id names the member the caller unblocks: only the caller's own block "
        "goes (204 whether or not there was one); the other member's block of them stays.",
    ),
    # --- messages ---
    ("GET", f"{API}/messages/conversation/{{user_id}}"): Case(
        owners_conversation,
        status=200,
        reason="The id names the caller's counterpart (or the caller's own conversation "
        "with an erased member): the answer is only ever the caller's messages, so another "
        "member's conversation id is an empty page, not a 404.",
        answer=lambda body, ctx, target: body["results"] == [],
    ),
    **private(f"{API}/messages/{{id}}/read", message_to_owner, PUT=NO_BODY),
    # --- marketplace ---
    ("GET", f"{API}/marketplace/coaches/{{id}}/availability"): Case(
        coach_availability,
        status=200,
        reason="A published coach's free sessions are public, to anyone signed in or not "
        "(an unpublished coach is a 404, marketplace/tests/test_availability.py).",
        answer=lambda body, ctx, target: body["coach_tz"] == "America/New_York",
    ),
    **private(f"{API}/marketplace/bookings/{{id}}", owners_booking, GET=NO_BODY),
    **private(
        f"{API}/marketplace/bookings/{{id}}/reschedule",
        owners_booking,
        POST={"start": TOMORROW, "version": 1},
    ),
    **private(f"{API}/marketplace/bookings/{{id}}/cancel", owners_booking, POST={}),
    **private(f"{API}/marketplace/bookings/{{id}}/history", owners_booking, GET=NO_BODY),
    **private(f"{API}/marketplace/bookings/{{id}}/ics", owners_booking, GET=NO_BODY),
    ("GET", f"{API}/marketplace/calendar/{{token}}.ics"): Case(
        owners_calendar_feed,
        status=200,
        reason="The token in the address is the credential, not an object id: calendar "
        "apps send no bearer token, so whoever holds it reads the feed; an unknown or "
        "replaced token is a 404 (marketplace/tests/test_calendars.py).",
    ),
    ("GET", f"{API}/marketplace/coaches/{{id}}"): Case(
        published_coach,
        status=200,
        reason="A published coach's profile is the public catalogue, shown to anyone "
        "(an unpublished one is a 404, marketplace/tests/test_catalogue.py).",
        answer=lambda body, ctx, target: body["id"] == str(target.kwargs["id"]),
    ),
    ("PATCH", f"{API}/marketplace/coaches/{{id}}/publish"): Case(
        owners_unpublished_coach,
        body={"published": True},
        status=403,
        reason="Staff only: a member may not publish any coach, themselves included.",
    ),
    ("GET", f"{API}/marketplace/courses/{{id}}"): Case(
        published_course,
        status=200,
        reason="An active course of a published coach is the public catalogue "
        "(marketplace/tests/test_catalogue.py).",
        answer=lambda body, ctx, target: body["id"] == str(target.kwargs["id"]),
    ),
    **private(
        f"{API}/marketplace/me/coach/courses/{{id}}",
        owners_course,
        GET=NO_BODY,
        PUT={"title": "x", "kind": "one_to_one", "duration_minutes": 30},
        PATCH={"title": "x"},
        DELETE=NO_BODY,
    ),
    **private(f"{API}/marketplace/me/coach/overrides/{{date}}", owners_override, DELETE=NO_BODY),
    **private(f"{API}/marketplace/me/coach/sessions/{{id}}", owners_session, DELETE=NO_BODY),
    **private(
        f"{API}/marketplace/bookings/{{id}}/feedback",
        owners_booking,
        GET=NO_BODY,
        POST={"rating": 5},
    ),
    **private(
        f"{API}/marketplace/bookings/{{id}}/no-show", owners_booking, POST={"party": "client"}
    ),
    ("GET", f"{API}/marketplace/coaches/{{id}}/feedback"): Case(
        published_coach,
        status=200,
        reason="A published coach's ratings are public and name no client "
        "(marketplace/tests/test_feedback.py).",
        answer=lambda body, ctx, target: body["results"] == [],
    ),
    ("GET", f"{API}/marketplace/coaches/{{id}}/performance"): Case(
        published_coach,
        status=403,
        reason="The coach themself and staff only: another member is refused before any "
        "lookup (marketplace/tests/test_performance.py).",
    ),
    # --- notifications ---
    **private(f"{API}/notifications/{{id}}/read", notification, POST=NO_BODY),
    # --- crm ---
    **private(
        f"{API}/crm/customers/{{id}}",
        crm_customer,
        GET=NO_BODY,
        PUT={"name": "Theirs"},
        PATCH={"name": "Theirs"},
        DELETE=NO_BODY,
    ),
    **private(
        f"{API}/crm/customers/{{id}}/interactions",
        crm_customer,
        GET=NO_BODY,
        POST={"kind": "call"},
    ),
    **private(
        f"{API}/crm/interactions/{{id}}",
        crm_interaction,
        GET=NO_BODY,
        PATCH={"notes": "Theirs"},
        DELETE=NO_BODY,
    ),
}


# --- the schema and the URL conf ----------------------------------------------------------


@pytest.fixture(scope="module")
def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if "{" in path
        for method in item
        if method != "parameters"
    }


def concrete(path: str, kwargs: dict[str, Any]) -> str:
    return path.format(**{name: str(value) for name, value in kwargs.items()})


def any_ids(path: str) -> str:
    """``path`` with a made-up id in every parameter, to resolve it."""
    names = [part.split("}")[0] for part in path.split("{")[1:]]
    return concrete(path, {name: uuid.uuid4() for name in names})


def routes_with_parameters(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    routes = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        # Joined as Django joins them for ResolverMatch.route.
        route = URLResolver._join_route(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            routes |= routes_with_parameters(pattern, route)
        elif isinstance(pattern, URLPattern) and pattern.pattern.regex.groupindex:
            routes.add(route)
    return routes


def view_class(path: str):
    func = resolve(any_ids(path)).func
    return getattr(func, "cls", None) or func.view_class


# --- the tests ----------------------------------------------------------------------------


def test_every_operation_with_a_path_parameter_has_a_case(schema_operations):
    missing = sorted(schema_operations - CASES.keys())

    assert missing == [], "add a case to CASES in config/tests/test_object_access.py"


def test_every_case_is_an_operation_of_the_schema(schema_operations):
    assert sorted(CASES.keys() - schema_operations) == []


def test_every_route_with_a_path_parameter_is_in_the_schema_or_explained(schema_operations):
    in_the_schema = {resolve(any_ids(path)).route for _, path in schema_operations}
    api_routes = {route for route in routes_with_parameters() if route.startswith("api/")}

    assert sorted(api_routes - in_the_schema) == sorted(OUTSIDE_THE_SCHEMA)


def test_staff_only_cases_are_the_staff_only_views():
    staff_only = {
        key
        for key in CASES
        if any(
            issubclass(permission, STAFF_ONLY_PERMISSIONS)
            for permission in view_class(key[1]).permission_classes
        )
    }

    assert staff_only == {key for key, case in CASES.items() if case.status == 403}


def test_every_exception_gives_its_reason():
    unexplained = [key for key, case in CASES.items() if case.status != 404 and not case.reason]

    assert unexplained == []


@pytest.mark.parametrize(
    ("method", "path"), sorted(CASES), ids=[" ".join(k) for k in sorted(CASES)]
)
def test_another_member_cannot_reach_or_change_the_object(
    method, path, member, other_member, request
):
    # given
    case = CASES[(method, path)]
    ctx = Context(owner=member, caller=other_member, request=request)
    target = case.make(ctx)
    client = client_for(other_member)
    before, counts_before = target.snapshot(), row_counts()

    # when
    response = client.generic(
        method,
        concrete(path, target.kwargs),
        data=json.dumps(case.body) if case.body is not None else "",
        content_type="application/json",
    )

    # then
    assert response.status_code == case.status, response.content
    assert target.snapshot() == before
    if case.status >= 400:
        body = response.json()
        assert body["type"] == "client_error"
        assert [(e["code"], e["attr"]) for e in body["errors"]] == [
            ("not_found" if case.status == 404 else "permission_denied", None)
        ]
        assert row_counts() == counts_before
    elif case.answer is not None:
        assert case.answer(response.json(), ctx, target), response.json()
