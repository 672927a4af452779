"""Projects (docs/API.md, coaching): CRUD, duplicate and analytics. Another member's project is
a 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.pagination import PageNumberPagination
from core.permissions import OwnedQuerysetMixin

from ..selectors import projects as selectors
from ..serializers import projects as serializers
from ..services import projects as services

TAGS = ["coaching"]


class ProjectMixin(OwnedQuerysetMixin):
    """The caller's projects, with their artifact counts."""

    def get_base_queryset(self):
        return selectors.projects_with_counts()


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="The caller's projects, latest changed first"),
    create=extend_schema(tags=TAGS, summary="Create a project"),
    retrieve=extend_schema(tags=TAGS, summary="One project"),
    update=extend_schema(tags=TAGS, summary="Replace a project's name and description"),
    partial_update=extend_schema(tags=TAGS, summary="Edit a project"),
    destroy=extend_schema(
        tags=TAGS,
        summary="Delete a project with its artifacts (their reminders are cancelled)",
    ),
)
class ProjectViewSet(ProjectMixin, viewsets.ModelViewSet):
    """The caller's projects; writable fields are ``name`` and ``description``."""

    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    serializer_class = serializers.ProjectSerializer
    pagination_class = PageNumberPagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.project_create(
            user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.project_update(
            project=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.project_delete(project=instance)


class ProjectDuplicateView(ProjectMixin, GenericAPIView):
    """Copy a project with its artifacts."""

    serializer_class = serializers.ProjectSerializer

    @extend_schema(
        tags=TAGS,
        summary="Duplicate a project with its artifacts",
        description=(
            'A new project named "<name> (copy)" with `duplicated_from` set, holding a copy '
            "of every artifact with its current title, content, options and status. The "
            "copies start at version 1 without the originals' history and without their "
            "publishing schedule."
        ),
        request=None,
        responses={201: serializers.ProjectSerializer},
    )
    def post(self, request, pk):
        copy = services.project_duplicate(project=self.get_object())
        copy = self.get_queryset().get(pk=copy.pk)
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)


class ProjectAnalyticsView(ProjectMixin, GenericAPIView):
    """Counts and the latest activity of one project."""

    serializer_class = serializers.ProjectAnalyticsSerializer

    @extend_schema(
        tags=TAGS,
        summary="A project's analytics",
        description=(
            "`artifacts_by_kind` and `artifacts_total`: the project's artifacts; "
            "`actions_done`: plan actions the member marked done since the project was "
            "created (projects are not linked to plans); `last_activity_at`: the latest "
            "change to the project or one of its artifacts. Three queries whatever its size."
        ),
    )
    def get(self, request, pk):
        analytics = selectors.project_analytics(project=self.get_object())
        return Response(self.get_serializer(analytics).data)
