"""The AI tools (docs/API.md, coaching): roadmap, brand, content and document.

Every path exists once per tool (coaching/urls.py builds them from ``TOOL_KINDS``), so an
unknown tool is a 404 and each tool's request body is documented with its own options.
Another member's artifact, or one of another tool, is a 404.
"""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.entitlements import Entitled
from ai.responses import accepted_object
from core.exceptions import DomainError
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.pagination import CursorPagination, PageNumberPagination
from core.permissions import OwnedQuerysetMixin
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from .. import exports
from ..models import Artifact
from ..selectors import tools as selectors
from ..serializers import tools as serializers
from ..services import tools as services

TAGS = ["coaching"]
TOOL_KINDS = tuple(Artifact.Kind.values)

NOT_READY = OpenApiResponse(
    description="`not_ready`: the artifact is still being generated, or its generation failed."
)


class ToolMixin(OwnedQuerysetMixin):
    """The caller's artifacts of the view's tool (``kind``, given by the URL conf)."""

    kind: str = ""

    def get_base_queryset(self):
        return selectors.artifacts_of(kind=self.kind)


class ToolGenerateView(GenericAPIView):
    """Queue one of the tools."""

    error_codes = {
        400: {"project": ["does_not_exist"], "kind": ["invalid_choice"]},
        403: ["plan_required"],
        429: ["quota_exceeded"],
    }

    kind: str = ""
    permission_classes = [IsAuthenticated, Entitled("coaching.tools")]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    def get_serializer_class(self):
        return serializers.GENERATE_SERIALIZERS.get(self.kind, serializers.ToolGenerateSerializer)

    @extend_schema(
        tags=TAGS,
        summary="Generate with the tool (asynchronous)",
        description=(
            "Makes an artifact at once (`status: pending`) and queues the tool's generation "
            "(feature `coaching.tool_<kind>`, one quota unit). Answers 202 with the "
            "artifact's id and URL (`status_url`: poll it until `status` is `ready` or "
            "`failed`) and the generation's. `project` must be one of the caller's projects "
            "(else 400 naming `project`). Options per tool: roadmap `target_role`, "
            "`horizon_months` (1-36); brand `audience`; content `channel` (required: "
            "linkedin, blog, newsletter, x) and `tone`; document `doc_type` (required: cv, "
            "cover_letter, bio, proposal). Needs a plan with `coaching.tools` (see "
            "/billing/plans): else 403 `plan_required` naming the plan; reading, editing, "
            "exporting and deleting artifacts stay open on any plan."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            202: serializers.ArtifactAcceptedSerializer,
            429: AI_QUOTA_EXCEEDED,
        },
    )
    @idempotent
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        artifact = services.artifact_generate(
            user=request.user,
            kind=self.kind,
            prompt=serializer.validated_data["prompt"],
            options=serializer.options(),
            project=serializer.validated_data.get("project"),
        )
        return accepted_object(
            request,
            id=artifact.pk,
            status_value=artifact.status,
            url=request.build_absolute_uri(
                reverse(f"coaching:tool-{self.kind}-detail", args=[artifact.pk])
            ),
            generation=artifact.generation,
        )


PROJECT_FILTER = OpenApiParameter(
    "project", OpenApiTypes.UUID, description="Only the artifacts of this project."
)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="The caller's artifacts of this tool, newest first (cursor-paginated)",
        parameters=[PROJECT_FILTER],
    ),
    retrieve=extend_schema(tags=TAGS, summary="One artifact"),
    update=extend_schema(
        tags=TAGS,
        summary="Replace the artifact's title and content",
        description=(
            "`content` must match the tool's schema (400 naming each faulty "
            "`content.<path>`). The replaced state is kept as a version (see `/versions`) "
            "and `version` goes up by one. Without `title` (PATCH) the title follows the "
            "content's. A pending or failed artifact: 409 `not_ready`."
        ),
        request=serializers.ArtifactUpdateSerializer,
        responses={200: serializers.ArtifactSerializer, 409: NOT_READY},
    ),
    partial_update=extend_schema(
        tags=TAGS,
        summary="Edit the artifact's title and/or content",
        description="As PUT, with either field.",
        request=serializers.ArtifactUpdateSerializer,
        responses={200: serializers.ArtifactSerializer, 409: NOT_READY},
    ),
    destroy=extend_schema(
        tags=TAGS,
        summary="Delete the artifact with its versions (and cancel its publishing reminder)",
    ),
)
class ArtifactViewSet(
    ToolMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    error_codes = {
        "list": {400: {"project": ["invalid"]}},
        "update": {400: {"content": ["invalid"], "content.*": ["invalid"]}, 409: ["not_ready"]},
        "partial_update": {
            400: {"content": ["invalid"], "content.*": ["invalid"]},
            409: ["not_ready"],
        },
    }
    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    serializer_class = serializers.ArtifactSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            project = self.request.query_params.get("project")
            if project:
                try:
                    project_id = uuid.UUID(project)
                except ValueError:
                    raise DomainError(
                        "Must be a valid UUID.", code="invalid", attr="project"
                    ) from None
                queryset = queryset.filter(project_id=project_id)
        return queryset

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        artifact = self.get_object()
        serializer = serializers.ArtifactUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        artifact = services.artifact_update(artifact=artifact, **serializer.validated_data)
        return Response(serializers.ArtifactSerializer(artifact).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        services.artifact_delete(artifact=instance)

    @classmethod
    def for_kind(cls, kind: str) -> type[ArtifactViewSet]:
        """The viewset of one tool, for the router: one per tool, so an unknown tool is a
        404."""
        return type(f"{kind.title()}ArtifactViewSet", (cls,), {"kind": kind})


class ArtifactVersionsView(ToolMixin, GenericAPIView):
    """The artifact's earlier states."""

    serializer_class = serializers.ArtifactVersionSerializer
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=TAGS,
        summary="The artifact's earlier versions, latest first",
        description="Each edit keeps the state it replaced, numbered by the version it had.",
        responses={200: serializers.ArtifactVersionSerializer(many=True)},
    )
    def get(self, request, pk):
        artifact = self.get_object()
        page = self.paginate_queryset(selectors.versions_of(artifact=artifact))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class IgnoreFormatQueryNegotiation(DefaultContentNegotiation):
    """``?format=`` chooses the export's format here, not DRF's renderer: errors stay JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ArtifactExportView(ToolMixin, GenericAPIView):
    """Download a ready artifact as Markdown, PDF or JSON."""

    error_codes = {400: {"format": ["invalid_choice"]}, 409: ["not_ready"]}

    serializer_class = serializers.ArtifactSerializer
    content_negotiation_class = IgnoreFormatQueryNegotiation

    @extend_schema(
        tags=TAGS,
        summary="Export the artifact (Markdown, PDF or JSON)",
        description=(
            "A file to download (`Content-Disposition: attachment`, named "
            "`<kind>-<title>.<ext>`): `md` is text/markdown, `pdf` application/pdf (A4, the "
            "title as the document's title and first heading; characters outside "
            "Windows-1252 print as `?`), `json` application/json "
            "`{id, kind, title, version, created_at, updated_at, content}`. `format` "
            "defaults to `md`; another value is a 400 naming `format`. A pending or failed "
            "artifact: 409 `not_ready`."
        ),
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(exports.FORMATS), default="md")
        ],
        responses={
            (200, "text/markdown"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.OBJECT,
            409: NOT_READY,
        },
    )
    def get(self, request, pk):
        export_format = exports.format_check(request.query_params.get("format", "md"))
        file = exports.artifact_export(artifact=self.get_object(), export_format=export_format)
        response = HttpResponse(file.body, content_type=file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        return response


class ContentScheduleView(ToolMixin, GenericAPIView):
    """Plan when to publish a piece of content."""

    error_codes = {
        400: {"non_field_errors": ["invalid_kind"], "publish_at": ["past"]},
        409: ["not_ready"],
    }

    kind = Artifact.Kind.CONTENT
    serializer_class = serializers.ContentScheduleSerializer

    @extend_schema(
        tags=TAGS,
        summary="Schedule a piece of content: a reminder at publish_at",
        description=(
            "`publish_at` must be in the future (else 400 naming it). The member gets a "
            "`coaching_content_publish` notification then; scheduling again moves it (the "
            "previous reminder is cancelled). A pending or failed artifact: 409 `not_ready`."
        ),
        responses={200: serializers.ArtifactSerializer, 409: NOT_READY},
    )
    def post(self, request, pk):
        artifact = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        artifact = services.content_schedule(
            artifact=artifact, publish_at=serializer.validated_data["publish_at"]
        )
        return Response(serializers.ArtifactSerializer(artifact).data)
