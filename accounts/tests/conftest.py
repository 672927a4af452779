import pytest

from .factories import PASSWORD


@pytest.fixture
def password() -> str:
    return PASSWORD
