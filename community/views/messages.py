"""The doorways of 1:1 messaging and blocks (docs/API.md, "community"): send, threads, history,
delivery and read receipts, unread counts, and blocks. The same services serve the socket
frames of community/events.py. A member only ever sees conversations they are part of.
Sending needs the messaging plan; everything else is open on every plan."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.entitlements import PLAN_REQUIRED, Entitled
from community.models import Block, Conversation, Message
from community.selectors import messages as selectors
from community.serializers import messages as serializers
from community.services import blocks as block_services
from community.services import messages as services
from core.pagination import CursorPagination, PageNumberPagination
from core.throttles import MessagingThrottle

TAGS = ["messages"]
BLOCK_TAGS = ["community"]


class ThreadPagination(CursorPagination):
    """Most recently active thread first."""

    ordering = ("-last_message_at", "-id")


class MessageSendView(APIView):
    """Send a message. Needs the messaging plan (403 ``plan_required`` naming it, before
    anything else is looked at). Throttled per sender (``THROTTLE_RATES["messaging"]``, a
    budget shared with the ``message.send`` socket frame)."""

    error_codes = {
        400: {
            "recipient": ["does_not_exist", "invalid"],
            "content": ["invalid", "blank", "max_length"],
            "client_id": ["invalid", "max_length"],
        },
        403: [PLAN_REQUIRED, "messaging_blocked", "messages_not_accepted"],
        409: ["client_id_reused"],
    }

    permission_classes = [IsAuthenticated, Entitled(services.MESSAGING_FEATURE)]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, MessagingThrottle]

    @extend_schema(
        tags=TAGS,
        request=serializers.MessageSendSerializer,
        responses={
            201: serializers.MessageSerializer,
            200: OpenApiResponse(
                serializers.MessageSerializer,
                description="A resend with a client_id already used: the stored message.",
            ),
        },
        summary="Send a message to a member",
        description=(
            "Needs the messaging plan: 403 `plan_required` otherwise, its detail naming the "
            "plan (see `GET /billing/plans`). Stored with `status` `sent`, then pushed as "
            "`message.new` to every socket of the recipient and of the sender; once one of "
            "the recipient's sockets receives it (or they fetch it) it is `delivered` and "
            "the sender's sockets get `message.delivered`. 403 `messaging_blocked` when you "
            "blocked the recipient, `messages_not_accepted` when they blocked you or accept "
            "messages from nobody; 400 `does_not_exist` on `recipient` for an unknown "
            "member; 409 `client_id_reused` when the client_id was used for another "
            "recipient."
        ),
    )
    def post(self, request):
        data = serializers.MessageSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message, created = services.message_send(
            sender=request.user,
            recipient_id=data.validated_data["recipient"],
            content=data.validated_data["content"],
            client_id=data.validated_data["client_id"],
        )
        return Response(
            serializers.MessageSerializer(message).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DeliveringListView(generics.ListAPIView):
    """A list whose page hands the caller messages addressed to them: fetching them is
    receiving them, so those not delivered yet are marked delivered (one UPDATE for the
    page) before the page is written out, and their senders get ``message.delivered``."""

    def messages_of(self, page) -> list:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        services.message_deliver_fetched(recipient=request.user, messages=self.messages_of(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="The caller's conversations, most recently active first",
        description=(
            "Each thread's last message shows its `status`. A last message addressed to "
            "you that was not delivered yet is delivered by this read (its sender's "
            "sockets get `message.delivered`)."
        ),
    )
)
class ThreadListView(DeliveringListView):
    """One row per counterpart: the last message and the caller's unread count. A deleted
    member's thread shows ``{"id": null, "display_name": "Deleted member"}``; open it by
    its ``conversation_id``."""

    queryset = Conversation.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = serializers.ThreadSerializer
    pagination_class = ThreadPagination

    def get_queryset(self):
        return selectors.threads_for(user=self.request.user)

    def messages_of(self, page) -> list:
        return [conversation.last_message for conversation in page]


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="The history with one member, newest first",
        description=(
            "Every message shows its `status` (sent, delivered, read). The messages of the "
            "page addressed to you that were not delivered yet are delivered by this read "
            "(their sender's sockets get one `message.delivered` for the page)."
        ),
    )
)
class ConversationView(DeliveringListView):
    """The caller's messages with ``user_id`` (or, for a thread whose counterpart was
    erased, with the thread's ``conversation_id``), newest first, cursor-paginated. An
    empty list when there is no such conversation: nobody else's messages, ever."""

    queryset = Message.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = serializers.MessageSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        return selectors.history_for(user=self.request.user, other_id=self.kwargs["user_id"])

    def messages_of(self, page) -> list:
        return page


class MessageReadView(APIView):
    """Mark a message (and the earlier ones to you in its conversation) read."""

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: serializers.MessageSerializer},
        summary="Mark a message read (recipient only, idempotent)",
        description=(
            "Marks every earlier unread message to you in that conversation read too (and "
            "delivered, if it was not). Open on every plan. The sender's sockets get a "
            "`message.read` receipt, and so do yours. A message not addressed to you is a "
            "404."
        ),
    )
    def put(self, request, pk):
        message = services.message_read(reader=request.user, message_id=pk)
        return Response(serializers.MessageSerializer(message).data)


class UnreadView(APIView):
    """How many messages the caller has not read, in all and per sender."""

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.UnreadSerializer},
        summary="Unread message counts",
    )
    def get(self, request):
        return Response(selectors.unread_summary(user=request.user))


@extend_schema(tags=BLOCK_TAGS, summary="The members you blocked, newest first")
class BlockListView(generics.ListAPIView):
    queryset = Block.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = serializers.BlockSerializer
    pagination_class = PageNumberPagination

    def get_queryset(self):
        return selectors.blocks_of(user=self.request.user)


class BlockView(APIView):
    """Block or unblock a member; both are idempotent. A blocked member cannot message
    you, and you cannot message them until you unblock them."""

    error_codes = {400: {"user_id": ["invalid"]}}

    @extend_schema(
        tags=BLOCK_TAGS,
        request=None,
        responses={
            201: serializers.BlockSerializer,
            200: OpenApiResponse(serializers.BlockSerializer, description="Already blocked."),
        },
        summary="Block a member",
        description="400 on `user_id` for yourself, 404 for an unknown member.",
    )
    def post(self, request, user_id):
        block, created = block_services.block_create(blocker=request.user, blocked_id=user_id)
        block = selectors.blocks_of(user=request.user).get(pk=block.pk)
        return Response(
            serializers.BlockSerializer(block).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        tags=BLOCK_TAGS,
        request=None,
        responses={204: None},
        summary="Unblock a member",
        description="204 whether or not they were blocked; 404 for an unknown member.",
    )
    def delete(self, request, user_id):
        block_services.block_delete(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
