"""The refresh token the platform issues: simplejwt's, minus the copy of itself it stores.

simplejwt records every refresh token in ``token_blacklist.OutstandingToken`` so that it
can be blacklisted, and its ``token`` column holds the whole signed JWT: anyone who could
read that table (a backup, a read replica, a leaked dump) could sign in as any member until
the token expired. Revocation needs only the ``jti`` (what the blacklist check looks up) and
the expiry (what the purge uses), so the column keeps a SHA-256 of the token instead: enough
to tell which row a presented token is, useless to present.

The three places simplejwt writes that row are all overridden here: ``for_user`` (sign-in),
``outstand`` (the new token of a rotation) and ``blacklist`` (a token blacklisted before it
was recorded). ``accounts.services.tokens_for``, the refresh serializer and logout use this
class, and ``SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]`` / ``["TOKEN_BLACKLIST_SERIALIZER"]``
point simplejwt's own views at it too.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

HASH_PREFIX = "sha256:"


def token_digest(token: str) -> str:
    """What ``OutstandingToken.token`` holds for ``token``: its SHA-256, marked as such."""
    return HASH_PREFIX + hashlib.sha256(token.encode()).hexdigest()


class RefreshToken(tokens.RefreshToken):
    def _outstanding_defaults(self, user) -> dict:
        return {
            "user": user,
            "created_at": self.current_time,
            "token": token_digest(str(self)),
            "expires_at": datetime_from_epoch(self["exp"]),
        }

    def _user_of_payload(self):
        user_model = get_user_model()
        user_id = self.payload.get(api_settings.USER_ID_CLAIM)
        return user_model._default_manager.filter(**{api_settings.USER_ID_FIELD: user_id}).first()

    def outstand(self) -> tuple[OutstandingToken, bool]:
        return OutstandingToken.objects.get_or_create(
            jti=self[api_settings.JTI_CLAIM],
            defaults=self._outstanding_defaults(self._user_of_payload()),
        )

    def blacklist(self) -> tuple[BlacklistedToken, bool]:
        outstanding, _ = self.outstand()
        return BlacklistedToken.objects.get_or_create(token=outstanding)

    @classmethod
    def for_user(cls, user) -> RefreshToken:
        # Skip BlacklistMixin.for_user, which stores the whole token, for the plain Token
        # one (claims only); the row is then written here with the digest.
        token = super(tokens.BlacklistMixin, cls).for_user(user)
        OutstandingToken.objects.create(
            jti=token[api_settings.JTI_CLAIM], **token._outstanding_defaults(user)
        )
        return token


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    token_class = RefreshToken


class TokenBlacklistSerializer(jwt_serializers.TokenBlacklistSerializer):
    token_class = RefreshToken


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    token_class = RefreshToken
