import pytest
from rest_framework.test import APIClient

from accounts.services import tokens_for
from accounts.tests.factories import UserFactory


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def other_member(db):
    return UserFactory()


@pytest.fixture
def member_api(member) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(member)['access']}")
    return client
