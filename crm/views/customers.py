"""Customers (docs/API.md, crm): the owner's book, its filters and exact contact search."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.pagination import PageNumberPagination
from core.permissions import OwnedQuerysetMixin

from ..models import Customer
from ..selectors import customers as selectors
from ..serializers import customers as serializers
from ..services import customers as services
from .throttles import WriteThrottled

TAGS = ["crm"]
SEARCH_MAX_LENGTH = 100
MAX_TAG_FILTERS = 10


class _TagNamesField(forms.MultipleChoiceField):
    """Any tag names (repeated ``?tag=``), not a fixed list of choices."""

    def valid_value(self, value) -> bool:
        return 0 < len(value) <= 50

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > MAX_TAG_FILTERS:
            raise forms.ValidationError(f"At most {MAX_TAG_FILTERS} tags.", code="max_length")


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagsFilter(django_filters.Filter):
    field_class = _TagNamesField


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of the name, any case.",
    )
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices)
    tag = TagsFilter(
        method="filter_tag",
        help_text="A tag name; repeat it for several (every one must match).",
    )
    source = django_filters.CharFilter(max_length=100)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    last_contacted_after = django_filters.IsoDateTimeFilter(
        field_name="last_contacted_at", lookup_expr="gte"
    )
    last_contacted_before = django_filters.IsoDateTimeFilter(
        field_name="last_contacted_at", lookup_expr="lt"
    )
    email = django_filters.CharFilter(
        method="filter_email",
        max_length=254,
        help_text="The exact address, in any case; a part of one matches nothing.",
    )
    phone = django_filters.CharFilter(
        method="filter_phone",
        max_length=40,
        help_text="The exact number in any format (national numbers in the settings' "
        "region); a part of one matches nothing.",
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(key, key) for key in selectors.ORDERINGS],
        empty_label=None,
        help_text="`-created_at` (default), `name`, `-last_contacted_at` (never contacted last).",
    )

    class Meta:
        model = Customer
        fields = [
            "search",
            "status",
            "tag",
            "source",
            "created_after",
            "created_before",
            "last_contacted_after",
            "last_contacted_before",
            "email",
            "phone",
            "ordering",
        ]

    def filter_search(self, queryset, name, value):
        return selectors.customers_named(queryset, value)

    def filter_tag(self, queryset, name, value):
        return selectors.customers_tagged(queryset, value) if value else queryset

    def filter_email(self, queryset, name, value):
        return selectors.customers_with_contact(queryset, self.request.user, "email", value)

    def filter_phone(self, queryset, name, value):
        return selectors.customers_with_contact(queryset, self.request.user, "phone", value)

    def filter_ordering(self, queryset, name, value):
        return selectors.customers_ordered(queryset, value)


class CustomerSearchFilter(CustomerFilter):
    q = django_filters.CharFilter(
        method="filter_search", max_length=SEARCH_MAX_LENGTH, help_text="Part of the name."
    )

    class Meta(CustomerFilter.Meta):
        fields = ["q", *CustomerFilter.Meta.fields]


INPUT_ERRORS = {
    400: {"email": ["invalid"], "phone": ["invalid"]},
    409: ["duplicate"],
}
DUPLICATE_NOTE = (
    " An invalid email or phone is a 400 naming it; the same email or phone (in any format) "
    "as another of your customers is a 409 `duplicate` whose `attr` names the field."
)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Your customers (page-numbered, with count)",
        description="Filters combine; `?email=` and `?phone=` match exactly, in any format.",
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Add a customer",
        description="Phone returned in E.164, email normalised, notes HTML-safe." + DUPLICATE_NOTE,
        request=serializers.CustomerInputSerializer,
        responses={201: serializers.CustomerDetailSerializer},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="One customer, with counts, points and the next follow-up",
    ),
    update=extend_schema(
        tags=TAGS,
        summary="Replace a customer's details",
        description="Fields left out are cleared to their defaults." + DUPLICATE_NOTE,
        request=serializers.CustomerInputSerializer,
        responses={200: serializers.CustomerDetailSerializer},
    ),
    partial_update=extend_schema(
        tags=TAGS,
        summary="Change some of a customer's details",
        description="`tags`, when sent, replaces the customer's tags." + DUPLICATE_NOTE,
        request=serializers.CustomerInputSerializer,
        responses={200: serializers.CustomerDetailSerializer},
    ),
    destroy=extend_schema(
        tags=TAGS,
        summary="Delete a customer",
        description="Their interactions, follow-ups (reminders cancelled), points and the "
        "referrals they made go with them.",
    ),
)
class CustomerViewSet(
    WriteThrottled,
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    owner_field = "owner"
    lookup_value_converter = "uuid"
    pagination_class = PageNumberPagination
    queryset = Customer.objects.none()
    error_codes = {
        "create": INPUT_ERRORS,
        "update": INPUT_ERRORS,
        "partial_update": INPUT_ERRORS,
    }

    def get_base_queryset(self):
        if self.action == "retrieve":
            return selectors.customer_details_of(self.request.user)
        return selectors.customers_of(self.request.user)

    def get_filterset_class(self):
        return CustomerSearchFilter if self.action == "search" else CustomerFilter

    @property
    def filterset_class(self):
        return self.get_filterset_class()

    def get_serializer_class(self):
        if self.action in ("list", "search"):
            return serializers.CustomerSerializer
        if self.action in ("create", "update", "partial_update"):
            return serializers.CustomerInputSerializer
        return serializers.CustomerDetailSerializer

    @extend_schema(
        tags=TAGS,
        summary="Find your customers by name, exact email or exact phone",
        description="`?q=` is part of the name; `?email=`/`?phone=` match the whole address "
        "or number in any format (a fragment matches nothing); the list's filters apply.",
        responses={200: serializers.CustomerSerializer(many=True)},
    )
    def search(self, request):
        return self.list(request)

    def _detail(self, customer: Customer, status_code: int = status.HTTP_200_OK) -> Response:
        customer = selectors.customer_details_of(self.request.user).get(pk=customer.pk)
        return Response(serializers.CustomerDetailSerializer(customer).data, status=status_code)

    def create(self, request):
        serializer = serializers.CustomerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = services.customer_create(owner=request.user, **serializer.validated_data)
        return self._detail(customer, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        customer = self.get_object()
        serializer = serializers.CustomerInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if not partial:
            # PUT: what is left out goes back to its default.
            changes = {
                "email": "",
                "phone": "",
                "tags": [],
                "status": Customer.Status.LEAD,
                "source": "",
                "birthday": None,
                "notes": "",
                "whatsapp_opt_in": False,
                **changes,
            }
        services.customer_update(customer=customer, **changes)
        return self._detail(customer)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def perform_destroy(self, instance):
        services.customer_delete(customer=instance)
