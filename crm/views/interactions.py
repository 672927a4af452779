"""A customer's timeline (docs/API.md, crm): newest first by ``occurred_at``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response

from core.pagination import CursorPagination
from core.permissions import OwnedQuerysetMixin

from ..models import Customer, Interaction
from ..selectors import interactions as selectors
from ..serializers import interactions as serializers
from ..services import interactions as services
from .throttles import WriteThrottled

TAGS = ["crm"]
LAST_CONTACTED_NOTE = (
    " The customer's `last_contacted_at` follows the latest `occurred_at` of their interactions."
)


class TimelinePagination(CursorPagination):
    ordering = ("-occurred_at", "-id")


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="A customer's interactions, newest first (cursor)",
        responses={200: serializers.InteractionSerializer(many=True)},
    ),
    post=extend_schema(
        tags=TAGS,
        summary="Record an interaction with a customer",
        description="`occurred_at` defaults to now and may not be in the future; an amount "
        "(minor units) is a sale's and needs `currency`; notes are stored HTML-safe. A "
        "back-dated entry never moves `last_contacted_at` back." + LAST_CONTACTED_NOTE,
        request=serializers.InteractionInputSerializer,
        responses={201: serializers.InteractionSerializer},
    ),
)
class CustomerInteractionsView(WriteThrottled, generics.GenericAPIView):
    pagination_class = TimelinePagination
    serializer_class = serializers.InteractionSerializer
    queryset = Interaction.objects.none()
    filter_backends: list = []
    error_codes = {
        "POST": {
            400: {
                "amount": ["invalid"],
                "currency": ["required", "invalid"],
                "occurred_at": ["invalid"],
            }
        }
    }

    def _customer(self) -> Customer:
        return get_object_or_404(
            Customer.objects.filter(owner=self.request.user).only("pk", "owner_id"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, pk):
        page = self.paginate_queryset(selectors.timeline_of(self._customer()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request, pk):
        customer = self._customer()
        serializer = serializers.InteractionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        interaction = services.interaction_create(customer=customer, **serializer.validated_data)
        return Response(
            serializers.InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    retrieve=extend_schema(tags=TAGS, summary="One interaction"),
    partial_update=extend_schema(
        tags=TAGS,
        summary="Change an interaction",
        description="The customer cannot change." + LAST_CONTACTED_NOTE,
        request=serializers.InteractionInputSerializer,
        responses={200: serializers.InteractionSerializer},
    ),
    destroy=extend_schema(
        tags=TAGS, summary="Delete an interaction", description=LAST_CONTACTED_NOTE.strip()
    ),
)
class InteractionViewSet(
    WriteThrottled,
    OwnedQuerysetMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    owner_field = "owner"
    lookup_value_converter = "uuid"
    serializer_class = serializers.InteractionSerializer
    queryset = Interaction.objects.none()
    error_codes = {
        "partial_update": {
            400: {
                "amount": ["invalid"],
                "currency": ["required", "invalid"],
                "occurred_at": ["invalid"],
            }
        }
    }

    def get_base_queryset(self):
        return selectors.interactions_of(self.request.user)

    def partial_update(self, request, pk=None):
        interaction = self.get_object()
        serializer = serializers.InteractionInputSerializer(
            interaction, data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        interaction = services.interaction_update(
            interaction=interaction, **serializer.validated_data
        )
        return Response(serializers.InteractionSerializer(interaction).data)

    def perform_destroy(self, instance):
        services.interaction_delete(interaction=instance)
