"""A coach's group sessions (docs/API.md, marketplace, ``me/coach/sessions``): schedule,
list with their seats, cancel. A member without a coach profile gets a 404; another coach's
session is a 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound

from ..selectors import sessions as selectors
from ..serializers import sessions as serializers
from ..services import sessions as services
from .coaches import own_coach
from .throttles import WriteThrottled

TAGS = ["marketplace"]


class MeSessionsView(WriteThrottled, APIView):
    """The caller's upcoming group sessions."""

    permission_classes = [IsAuthenticated]
    error_codes = {
        "post": {
            400: {"course": ["priced_group", "invalid"]},
            409: ["slot_unavailable"],
        }
    }

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.MarketplaceSessionSerializer(many=True)},
        summary="The caller's upcoming group sessions, with their seats",
        description="Soonest first: each with `seats_left` and the enrolments (first names "
        "only). Not a coach: 404.",
    )
    def get(self, request):
        sessions = selectors.sessions_of(own_coach(request))
        return Response(serializers.MarketplaceSessionSerializer(sessions, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=serializers.MarketplaceSessionCreateSerializer,
        responses={201: serializers.MarketplaceSessionSerializer},
        summary="Schedule a session of one of the caller's group courses",
        description="`{course, start}`: the course must be one of the caller's active "
        "group courses (else 400 on `course`); a priced one is refused (400 "
        "`priced_group`: paid group sessions are not available yet). The start must be "
        "one the coach's availability lists, and the session blocks the calendar like a "
        "booking: 409 `slot_unavailable` otherwise. Seats: the course's `capacity`.",
    )
    def post(self, request):
        coach = own_coach(request)
        body = serializers.MarketplaceSessionCreateSerializer(data=request.data, coach=coach)
        body.is_valid(raise_exception=True)
        session = services.session_create(coach=coach, **body.validated_data)
        return Response(
            serializers.MarketplaceSessionSerializer(session).data, status=status.HTTP_201_CREATED
        )


class MeSessionDetailView(WriteThrottled, APIView):
    """One of the caller's group sessions."""

    permission_classes = [IsAuthenticated]
    error_codes = {"delete": {409: ["not_cancellable"]}}

    @extend_schema(
        tags=TAGS,
        responses={204: None},
        summary="Cancel a group session and every seat in it",
        description="The session becomes `cancelled` (with a history entry) and every "
        "enrolment is cancelled. Already cancelled: 204 all the same. Another coach's "
        "session: 404; one that has ended: 409 `not_cancellable`.",
    )
    def delete(self, request, pk):
        coach = own_coach(request)
        session = selectors.session_of(coach, pk)
        if session is None:
            raise NotFound("No such session.")
        services.session_cancel(coach=coach, session=session)
        return Response(status=status.HTTP_204_NO_CONTENT)
