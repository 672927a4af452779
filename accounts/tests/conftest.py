import pytest
from rest_framework.test import APIClient

from accounts.services import tokens_for

from .factories import PASSWORD, UserFactory


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def other_member(db):
    return UserFactory()


@pytest.fixture
def tokens(member) -> dict[str, str]:
    return tokens_for(member)


@pytest.fixture
def member_api(tokens) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client
