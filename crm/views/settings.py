"""The CRM's settings (docs/API.md, crm)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors.settings import settings_of
from ..serializers.settings import CrmSettingsSerializer
from ..services.settings import crm_settings_update
from .throttles import WriteThrottled

TAGS = ["crm"]


class CrmSettingsView(WriteThrottled, APIView):
    @extend_schema(
        tags=TAGS,
        summary="Your CRM settings",
        description="Defaults until changed; `timezone` follows the profile's until set.",
        responses={200: CrmSettingsSerializer},
    )
    def get(self, request):
        return Response(CrmSettingsSerializer(settings_of(request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change your CRM settings",
        description="`default_phone_region` reads numbers typed without +country code "
        "from then on; stored numbers are not re-read.",
        request=CrmSettingsSerializer,
        responses={200: CrmSettingsSerializer},
    )
    def patch(self, request):
        serializer = CrmSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        crm_settings_update(owner=request.user, **serializer.validated_data)
        return Response(CrmSettingsSerializer(settings_of(request.user)).data)
