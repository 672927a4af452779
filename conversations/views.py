"""The conversations API (docs/API.md, "conversations"): the scenario catalogue, a
scenario's AI context, and today's practice quota.

Scenarios are looked up by slug (the router's ``<slug:slug>``); the later
``/conversations/{id}`` routes take a UUID, so ``scenarios`` and ``quota`` never reach them.
"""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ai.responses import accepted_object
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.pagination import CursorPagination
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from . import selectors, serializers, services
from .ai_features import SCENARIO_CONTEXT
from .models import Conversation, Message, Scenario

TAGS = ["conversations"]
PRACTICE_403 = ["age_restricted", "plan_required"]


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        operation_id="conversations_scenarios_list",
        summary="Active practice scenarios (page-numbered)",
        description=(
            "Active scenarios ordered by `order`, then title. `locked` is true for a premium "
            "scenario when the caller's plan lacks premium scenarios (reading stays open; "
            "practising one answers 403 `plan_required`). `?include_premium=false` leaves "
            "premium scenarios out (a value that is not a boolean: 400 naming "
            "`include_premium`); `?setting=` keeps one setting (an unknown one: 400 "
            "`invalid_choice` naming `setting`)."
        ),
        parameters=[serializers.ScenarioListQuerySerializer],
    ),
    retrieve=extend_schema(
        tags=TAGS,
        operation_id="conversations_scenarios_retrieve",
        summary="One active scenario with its tips per difficulty",
        description="An unknown or inactive slug is a 404.",
        responses={200: serializers.ScenarioDetailSerializer},
    ),
)
class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The scenario catalogue, shared by every member."""

    error_codes = {"list": {400: serializers.ScenarioListQuerySerializer}}

    queryset = Scenario.objects.none()
    permission_classes = [IsAuthenticated]
    lookup_field = "slug"
    lookup_value_converter = "slug"
    filter_backends: list = []

    def get_queryset(self):
        if self.action == "list":
            query = serializers.ScenarioListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return selectors.scenarios(**query.validated_data)
        return selectors.scenarios()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ScenarioDetailSerializer
        return serializers.ScenarioSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        if user.is_authenticated:
            context["premium_allowed"] = selectors.premium_scenarios_allowed(user)
        return context


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="conversations_scenarios_context",
        summary="AI context for a scenario at a difficulty (asynchronous)",
        description=(
            "Queues a `conversations.scenario_context` generation for the scenario at "
            "`difficulty` (green, yellow or red; `difficulty_level` is accepted in its "
            "place). Answers 202 with the generation's `id`, `status` and `status_url`, and "
            "the same `generation` link the other AI-starting endpoints give; its output is "
            "`{situation, partner_hint, suggested_openers[], tips[]}`.\n\n"
            "Refusals, in order: an unknown or inactive slug 404; before onboarding's age "
            "check is passed 403 `age_restricted`; a premium scenario on a plan without "
            "premium scenarios 403 `plan_required`; a missing or invalid `difficulty` 400. "
            f"Takes {SCENARIO_CONTEXT.cost} unit of the AI quota: when the plan's daily "
            "units are used up, 429 `quota_exceeded` with `Retry-After` (seconds until "
            "midnight UTC)."
        ),
        request=serializers.ScenarioContextRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={202: serializers.ScenarioContextAcceptedSerializer, 429: AI_QUOTA_EXCEEDED},
    )
)
class ScenarioContextView(APIView):
    """Start the AI context of one scenario at one difficulty."""

    error_codes = {403: PRACTICE_403}

    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    @idempotent
    def post(self, request, slug: str):
        scenario = get_object_or_404(selectors.scenarios(), slug=slug)
        services.practice_require(user=request.user, scenario=scenario)
        serializer = serializers.ScenarioContextRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        generation = services.scenario_context_request(
            user=request.user,
            scenario=scenario,
            difficulty=serializer.validated_data["difficulty"],
        )
        return accepted_object(
            request,
            id=generation.pk,
            status_value=generation.status,
            url=request.build_absolute_uri(reverse("ai:generation-detail", args=[generation.pk])),
            generation=generation,
        )


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="conversations_quota",
        summary="Today's practice conversations in the caller's time zone",
        description=(
            "`day` is today in the caller's profile time zone (`time_zone`); `limit` the "
            "plan's practice conversations a day (null: unlimited), `used` those started "
            "today, `remaining` what is left. `resets_at` is the next local midnight as a "
            "UTC instant: 23 or 25 hours after the previous one on a day with a DST change."
        ),
        responses={200: serializers.PracticeQuotaSerializer},
    )
)
class PracticeQuotaView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        state = selectors.practice_quota(request.user)
        return Response(serializers.PracticeQuotaSerializer(state).data)


# --- practice conversations and coach threads ----------------------------------------------

CONVERSATION_TAGS = ["conversations"]
COACH_TAGS = ["conversations: coach"]
TURN_409 = ["conversation_not_active", "reply_in_progress", "turn_limit", "client_id_reused"]
MESSAGE_400 = {
    "content": ["blank", "max_length", "required", "invalid", "moderation_blocked"],
    "client_id": ["max_length", "invalid"],
}


class MessagePagination(CursorPagination):
    ordering = ("-created_at", "-id")


class ConversationPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class ThreadPagination(CursorPagination):
    ordering = ("-last_message_at", "-id")


@dataclass(frozen=True)
class Recent:
    messages: list
    next_url: str | None


def recent_messages(request, conversation, list_url_name: str) -> Recent:
    """The newest 20 messages, oldest first, and the link to the ones before them."""
    paginator = MessagePagination()
    page = paginator.paginate_queryset(selectors.messages_of(conversation), request)
    paginator.base_url = request.build_absolute_uri(
        reverse(f"conversations:{list_url_name}", args=[conversation.pk])
    )
    return Recent(messages=list(reversed(page)), next_url=paginator.get_next_link())


def _owned_conversation(request, pk, kind: str) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("feedback"), pk=pk, user=request.user, kind=kind
    )


def _turn_accepted(request, conversation, turn, *, url_name: str, extra=None) -> Response:
    reply = turn.reply
    status_url = (
        request.build_absolute_uri(
            reverse(f"conversations:{url_name}", args=[conversation.pk, reply.pk])
        )
        if reply is not None
        else None
    )
    body = {
        "id": str(reply.pk) if reply is not None else None,
        "status": reply.status if reply is not None else "none",
        "status_url": status_url,
        "message": serializers.MessageSerializer(turn.member).data,
        "duplicate": turn.duplicate,
        **(extra or {}),
    }
    headers = {"Location": status_url} if status_url else {}
    return Response(body, status=202, headers=headers)


@extend_schema_view(
    get=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_list",
        summary="The caller's practice conversations (cursor, newest first)",
        parameters=[serializers.ConversationListQuerySerializer],
        responses={200: serializers.ConversationSerializer(many=True)},
    ),
    post=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_create",
        summary="Start a practice conversation (asynchronous)",
        description=(
            "`{scenario (slug), difficulty}` (`scenario_type` and `difficulty_level` are "
            "accepted in their place). Answers 202 with the conversation (`preparing`): its "
            "AI character is generated, then it turns `active` with the character's opener "
            "as its first message (`conversation.updated` on the socket).\n\n"
            "Refusals: before onboarding's age check 403 `age_restricted`; a premium "
            "scenario on a plan without premium scenarios 403 `plan_required`; the plan's "
            "practice conversations of the day (in the member's time zone) used: 429 "
            "`quota_exceeded` with `Retry-After` counting down to the member's next local "
            "midnight. The unit comes back once if the provider fails before any reply."
        ),
        request=serializers.ConversationCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={202: serializers.ConversationAcceptedSerializer, 429: AI_QUOTA_EXCEEDED},
    ),
)
class ConversationListView(GenericAPIView):
    error_codes = {
        "post": {
            403: PRACTICE_403,
            400: {
                "scenario": ["does_not_exist", "required", "invalid", "blank"],
                "difficulty": ["invalid_choice", "required"],
            },
        },
        "get": {400: serializers.ConversationListQuerySerializer},
    }

    permission_classes = [IsAuthenticated]
    pagination_class = ConversationPagination
    queryset = Conversation.objects.none()
    filter_backends: list = []

    def get_throttles(self):
        if self.request.method == "POST":
            return [*super().get_throttles(), AIThrottle()]
        return super().get_throttles()

    def get(self, request):
        query = serializers.ConversationListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = selectors.conversations_of(
            request.user, kind=Conversation.Kind.PRACTICE, **query.validated_data
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializers.ConversationSerializer(page, many=True).data)

    @idempotent
    def post(self, request):
        # The age check before the body, as for a scenario's context: the answer to an
        # under-age member is the same whatever they sent.
        services.practice_allowed(user=request.user)
        serializer = serializers.ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = services.conversation_start(
            user=request.user,
            scenario=serializer.validated_data["scenario"],
            difficulty=serializer.validated_data["difficulty"],
        )
        return accepted_object(
            request,
            id=conversation.pk,
            status_value=conversation.status,
            url=request.build_absolute_uri(
                reverse("conversations:conversation-detail", args=[conversation.pk])
            ),
            generation=conversation.character_generation,
        )


@extend_schema_view(
    get=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_retrieve",
        summary="One practice conversation with its newest 20 messages",
        responses={200: serializers.ConversationDetailSerializer},
    ),
    delete=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_destroy",
        summary="Delete a practice conversation and its transcript",
        description="Stops a reply that is still streaming, then removes the conversation, "
        "its messages and the content of its AI generations. The day's unit is not refunded.",
        responses={204: None},
    ),
)
class ConversationDetailView(APIView):
    permission_classes = [IsAuthenticated]
    kind = Conversation.Kind.PRACTICE
    messages_url = "conversation-messages"

    def get(self, request, pk):
        conversation = _owned_conversation(request, pk, self.kind)
        recent = recent_messages(request, conversation, self.messages_url)
        data = self.detail_serializer(conversation, context={"recent": recent}).data
        return Response(data)

    detail_serializer = serializers.ConversationDetailSerializer

    def delete(self, request, pk):
        conversation = _owned_conversation(request, pk, self.kind)
        services.conversation_delete(conversation=conversation)
        return Response(status=204)


@extend_schema_view(
    get=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_messages_list",
        summary="A conversation's messages (cursor, newest first)",
        responses={200: serializers.MessageSerializer(many=True)},
    ),
    post=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_messages_create",
        summary="Send the member's next turn; the reply streams on the socket",
        description=(
            "Stores the member's message and a `queued` reply, and answers 202 at once: "
            "`ai.token` frames (`seq` 1, 2, 3...) then one `ai.message` follow on the "
            "member's sockets; `status_url` gives the reply (its text so far while it "
            "streams). A `client_id` already stored returns the stored pair with "
            "`duplicate: true` and starts nothing (another text under that id: 409 "
            "`client_id_reused`). 409 `conversation_not_active`, `reply_in_progress` (one "
            "reply at a time), `turn_limit`; 400 `moderation_blocked` on `content`."
        ),
        request=serializers.MessageCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={202: serializers.MessageAcceptedSerializer, 429: AI_QUOTA_EXCEEDED},
    ),
)
class MessageListView(GenericAPIView):
    error_codes = {"post": {400: MESSAGE_400, 409: TURN_409, 403: ["age_restricted"]}}

    permission_classes = [IsAuthenticated]
    pagination_class = MessagePagination
    queryset = Message.objects.none()
    filter_backends: list = []
    kind = Conversation.Kind.PRACTICE
    reply_url = "conversation-message-detail"

    def get_throttles(self):
        if self.request.method == "POST":
            return [*super().get_throttles(), AIThrottle()]
        return super().get_throttles()

    def get(self, request, pk):
        conversation = _owned_conversation(request, pk, self.kind)
        page = self.paginate_queryset(selectors.messages_of(conversation))
        return self.get_paginated_response(serializers.MessageSerializer(page, many=True).data)

    @idempotent
    def post(self, request, pk):
        conversation = _owned_conversation(request, pk, self.kind)
        if conversation.is_practice:
            services.practice_allowed(user=request.user)
        serializer = serializers.MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        turn = services.message_send(
            user=request.user, conversation=conversation, **serializer.validated_data
        )
        return _turn_accepted(request, conversation, turn, url_name=self.reply_url)


@extend_schema_view(
    get=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_messages_retrieve",
        summary="One message (a streaming reply: its text so far and last_seq)",
        responses={200: serializers.MessageSerializer},
    )
)
class MessageDetailView(APIView):
    permission_classes = [IsAuthenticated]
    kind = Conversation.Kind.PRACTICE

    def get(self, request, pk, message_id):
        conversation = _owned_conversation(request, pk, self.kind)
        message = get_object_or_404(selectors.messages_of(conversation), pk=message_id)
        return Response(serializers.MessageSerializer(message).data)


@extend_schema_view(
    post=extend_schema(
        tags=CONVERSATION_TAGS,
        operation_id="conversations_messages_cancel",
        summary="Stop a queued or streaming reply",
        description="The reply stops within a second and is stored `cancelled` with the text "
        "it had; `ai.message {status: cancelled}` follows on the socket. A finished message "
        "is returned unchanged.",
        request=None,
        responses={200: serializers.MessageSerializer},
    )
)
class MessageCancelView(APIView):
    permission_classes = [IsAuthenticated]
    kind = Conversation.Kind.PRACTICE

    def post(self, request, pk, message_id):
        conversation = _owned_conversation(request, pk, self.kind)
        message = get_object_or_404(selectors.messages_of(conversation), pk=message_id)
        message = services.reply_cancel(message)
        return Response(serializers.MessageSerializer(message).data)


# --- the AI coach --------------------------------------------------------------------------


@extend_schema_view(
    post=extend_schema(
        tags=COACH_TAGS,
        operation_id="conversations_coach_ask",
        summary="Ask the AI coach; the answer streams on the socket",
        description=(
            "`{content, thread?, client_id?}`: without `thread` a new thread is started. "
            "Answers 202 like a practice message, with the `thread` `{id, title}`; the "
            "answer streams as `ai.token` frames then `ai.message`, and the thread's title "
            "is generated after the first answer (`conversation.updated`). Another member's "
            "thread: 404."
        ),
        request=serializers.CoachAskSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={202: serializers.CoachAcceptedSerializer, 429: AI_QUOTA_EXCEEDED},
    )
)
class CoachAskView(APIView):
    error_codes = {400: {**MESSAGE_400, "thread": ["invalid"]}, 409: TURN_409}

    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    @idempotent
    def post(self, request):
        serializer = serializers.CoachAskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        thread = None
        if data.get("thread"):
            thread = _owned_conversation(request, data["thread"], Conversation.Kind.COACH)
        thread, turn = services.coach_ask(
            user=request.user, content=data["content"], thread=thread, client_id=data["client_id"]
        )
        return _turn_accepted(
            request,
            thread,
            turn,
            url_name="coach-message-detail",
            extra={"thread": {"id": str(thread.pk), "title": thread.title}},
        )


@extend_schema_view(
    get=extend_schema(
        tags=COACH_TAGS,
        operation_id="conversations_coach_threads_list",
        summary="The caller's coach threads (cursor, last activity first)",
        parameters=[serializers.ThreadListQuerySerializer],
        responses={200: serializers.ThreadSerializer(many=True)},
    )
)
class ThreadListView(GenericAPIView):
    error_codes = {400: serializers.ThreadListQuerySerializer}
    permission_classes = [IsAuthenticated]
    pagination_class = ThreadPagination
    queryset = Conversation.objects.none()
    filter_backends: list = []

    def get(self, request):
        query = serializers.ThreadListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = selectors.threads_of(request.user, **query.validated_data)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializers.ThreadSerializer(page, many=True).data)


@extend_schema_view(
    get=extend_schema(
        tags=COACH_TAGS,
        operation_id="conversations_coach_threads_retrieve",
        summary="One coach thread with its newest 20 messages",
        responses={200: serializers.ThreadDetailSerializer},
    ),
    put=extend_schema(
        tags=COACH_TAGS,
        operation_id="conversations_coach_threads_update",
        summary="Rename a coach thread (the automatic title never replaces it)",
        request=serializers.ThreadUpdateSerializer,
        responses={200: serializers.ThreadSerializer},
    ),
    patch=extend_schema(
        tags=COACH_TAGS,
        operation_id="conversations_coach_threads_partial_update",
        summary="Rename a coach thread",
        request=serializers.ThreadUpdateSerializer,
        responses={200: serializers.ThreadSerializer},
    ),
    delete=extend_schema(
        tags=COACH_TAGS,
        operation_id="conversations_coach_threads_destroy",
        summary="Delete a coach thread and its transcript (stops a streaming answer)",
        responses={204: None},
    ),
)
class ThreadDetailView(APIView):
    error_codes = {400: {"title": ["blank", "max_length", "required", "invalid"]}}
    permission_classes = [IsAuthenticated]

    def _thread(self, request, pk):
        return get_object_or_404(selectors.threads_of(request.user), pk=pk)

    def get(self, request, pk):
        thread = self._thread(request, pk)
        recent = recent_messages(request, thread, "coach-thread-messages")
        return Response(serializers.ThreadDetailSerializer(thread, context={"recent": recent}).data)

    def put(self, request, pk):
        thread = self._thread(request, pk)
        serializer = serializers.ThreadUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.thread_rename(thread=thread, title=serializer.validated_data["title"])
        return Response(serializers.ThreadSerializer(thread).data)

    def patch(self, request, pk):
        return self.put(request, pk)

    def delete(self, request, pk):
        thread = self._thread(request, pk)
        services.conversation_delete(conversation=thread)
        return Response(status=204)


def _coach(view_class, operation: str, summary: str):
    """The coach thread's twin of a practice message view."""
    schema = {
        method: extend_schema(
            tags=COACH_TAGS,
            operation_id=f"conversations_coach_threads_messages_{op}",
            summary=summary,
        )
        for method, op in operation
    }
    return extend_schema_view(**schema)(
        type(
            f"Coach{view_class.__name__}",
            (view_class,),
            {
                "kind": Conversation.Kind.COACH,
                "__doc__": view_class.__doc__,
                "http_method_names": [method for method, _ in operation] + ["options"],
            },
        )
    )


CoachMessageListView = _coach(MessageListView, [("get", "list")], "A coach thread's messages")
CoachMessageDetailView = _coach(MessageDetailView, [("get", "retrieve")], "One message of a thread")
CoachMessageCancelView = _coach(
    MessageCancelView, [("post", "cancel")], "Stop the coach's streaming answer"
)
