"""Fixtures shared by the CRM's test modules."""

import pytest

from accounts.tests.helpers import client_for


@pytest.fixture
def other_api(other_member):
    return client_for(other_member)


@pytest.fixture
def us_member(member):
    """``member`` reads national numbers as US numbers."""
    from crm.services.settings import crm_settings_update

    crm_settings_update(owner=member, default_phone_region="US")
    return member


@pytest.fixture
def fake_graph(settings):
    """A fake Graph API on 127.0.0.1 (crm/tests/fake_graph.py), with a Meta app configured and
    a short read timeout; a scripted failure or delay left unused fails the test."""
    from .fake_graph import APP_ID, APP_SECRET, FakeGraph

    fake = FakeGraph().start()
    settings.CRM_GRAPH_BASE_URL = fake.base_url
    settings.CRM_META_APP_ID = APP_ID
    settings.CRM_META_APP_SECRET = APP_SECRET
    settings.CRM_GRAPH_TIMEOUT = 0.5
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.pending, f"scripted but never used: {fake.pending}"
