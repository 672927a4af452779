"""crm.graph against a fake Graph API on 127.0.0.1 (crm/tests/fake_graph.py). No database."""

import copy
import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm import graph
from crm.graph import GraphError

from .fake_graph import (
    APP_SECRET,
    AUTH_CODE,
    IG_USER_ID,
    LONG_TOKEN,
    LONG_TOKEN_SECONDS,
    PAGE_ID,
    PAGE_TOKEN,
    PHONE_NUMBER_ID,
    SHORT_TOKEN,
    WA_TOKEN,
    WABA_ID,
    expired_token,
    graph_error,
    rate_limited,
)

FEED = f"/{PAGE_ID}/feed"


# --- Accounts -------------------------------------------------------------------------------


def test_exchange_code_sends_the_secret_in_the_body(fake_graph):
    # when
    token = graph.exchange_code(AUTH_CODE, "https://app.example.com/social/callback")

    # then
    assert token == SHORT_TOKEN
    [call] = fake_graph.received
    assert (call.method, call.target) == ("POST", "/v21.0/oauth/access_token")
    assert call.body == {
        "client_id": "1234567890",
        "client_secret": APP_SECRET,
        "redirect_uri": "https://app.example.com/social/callback",
        "code": AUTH_CODE,
    }


def test_exchange_code_refused_carries_metas_message(fake_graph):
    with pytest.raises(GraphError) as caught:
        graph.exchange_code("stale-code", "https://app.example.com/social/callback")

    error = caught.value
    assert (error.code, error.subcode, error.type, error.status) == (
        100,
        36008,
        "OAuthException",
        400,
    )
    assert error.reason == "Invalid verification code format."
    assert not error.retryable
    assert not error.needs_reauth
    assert not error.outcome_unknown


def test_exchange_code_without_a_meta_app_sends_nothing(fake_graph, settings):
    settings.CRM_META_APP_SECRET = ""

    assert graph.is_configured() is False
    with pytest.raises(ImproperlyConfigured):
        graph.exchange_code(AUTH_CODE, "https://app.example.com/social/callback")
    assert fake_graph.received == []


def test_long_lived_user_token(fake_graph):
    # when
    before = datetime.now(tz=UTC)
    token, expires_at = graph.long_lived_user_token(SHORT_TOKEN)

    # then
    assert token == LONG_TOKEN
    expected = before + timedelta(seconds=LONG_TOKEN_SECONDS)
    assert expected <= expires_at <= expected + timedelta(seconds=5)
    [call] = fake_graph.received
    assert call.body["grant_type"] == "fb_exchange_token"
    assert call.body["fb_exchange_token"] == SHORT_TOKEN
    assert call.target == "/v21.0/oauth/access_token"


def test_an_expired_user_token_cannot_be_exchanged(fake_graph):
    fake_graph.revoked.add(SHORT_TOKEN)

    with pytest.raises(GraphError) as caught:
        graph.long_lived_user_token(SHORT_TOKEN)

    assert (caught.value.code, caught.value.subcode) == (190, 463)
    assert caught.value.needs_reauth


def test_permissions(fake_graph):
    fake_graph.declined = ["pages_manage_posts"]
    fake_graph.granted = ["pages_show_list", "pages_read_engagement"]

    assert graph.permissions(LONG_TOKEN) == {
        "granted": ["pages_show_list", "pages_read_engagement"],
        "declined": ["pages_manage_posts"],
    }
    [call] = fake_graph.received
    assert call.headers["authorization"] == f"Bearer {LONG_TOKEN}"


def test_pages_follow_the_cursor_not_the_next_link(fake_graph):
    # given: one Page per answer, each with a next link that carries the token
    fake_graph.page_size = 1

    # when
    pages = graph.pages(LONG_TOKEN)

    # then
    assert pages == [
        {
            "id": PAGE_ID,
            "name": "Corner Bakery",
            "access_token": PAGE_TOKEN,
            "instagram_business_account": IG_USER_ID,
        },
        {
            "id": "1002",
            "name": "Second Shop",
            "access_token": "EAApage-token-1002",
            "instagram_business_account": None,
        },
    ]
    assert [call.query.get("after") for call in fake_graph.received] == [None, "1"]
    assert {call.query["fields"] for call in fake_graph.received} == {
        "id,name,access_token,instagram_business_account"
    }
    assert all(LONG_TOKEN not in call.target for call in fake_graph.received)


def test_page_read_as_itself(fake_graph):
    assert graph.page(PAGE_ID, PAGE_TOKEN) == {"id": PAGE_ID, "name": "Corner Bakery"}


# --- Publishing -----------------------------------------------------------------------------


def test_publish_a_feed_post_with_a_link(fake_graph):
    # when
    post_id = graph.publish_page_post(
        PAGE_ID, PAGE_TOKEN, "Fresh bread at 7.", link="https://bakery.example.com"
    )

    # then
    assert fake_graph.posts == [
        {
            "id": post_id,
            "edge": "feed",
            "message": "Fresh bread at 7.",
            "link": "https://bakery.example.com",
        }
    ]
    assert post_id.startswith(f"{PAGE_ID}_")
    [call] = fake_graph.received
    assert call.headers["authorization"] == f"Bearer {PAGE_TOKEN}"


def test_publish_a_photo_post_answers_the_post_id(fake_graph):
    post_id = graph.publish_page_post(
        PAGE_ID, PAGE_TOKEN, "Croissants!", image_url="https://cdn.example.com/c.jpg"
    )

    [post] = fake_graph.posts
    assert post == {
        "id": post_id,
        "edge": "photos",
        "url": "https://cdn.example.com/c.jpg",
        "message": "Croissants!",
    }
    assert fake_graph.received[0].path == f"/{PAGE_ID}/photos"


def test_a_user_token_where_the_page_token_was_needed_needs_reauth(fake_graph):
    with pytest.raises(GraphError) as caught:
        graph.publish_page_post(PAGE_ID, LONG_TOKEN, "Hello")

    assert caught.value.code == 200
    assert caught.value.needs_reauth
    assert not caught.value.retryable
    assert fake_graph.posts == []


def test_instagram_container_polled_then_published(fake_graph):
    # given
    container_id = graph.ig_create_container(
        IG_USER_ID, PAGE_TOKEN, "https://cdn.example.com/c.jpg", "Croissants!"
    )
    fake_graph.container_statuses[container_id] = ["IN_PROGRESS", "FINISHED"]

    # when
    first = graph.ig_container_status(container_id, PAGE_TOKEN)
    second = graph.ig_container_status(container_id, PAGE_TOKEN)
    media_id = graph.ig_publish(IG_USER_ID, PAGE_TOKEN, container_id)

    # then
    assert (first.status_code, second.status_code) == (graph.IN_PROGRESS, graph.FINISHED)
    assert graph.ig_container_status(container_id, PAGE_TOKEN).status_code == graph.PUBLISHED
    assert fake_graph.media == [{"id": media_id, "container_id": container_id}]
    assert fake_graph.containers[container_id]["caption"] == "Croissants!"
    assert fake_graph.calls(f"/{IG_USER_ID}/media_publish")[0].body == {"creation_id": container_id}
    assert graph.ig_publishing_limit(IG_USER_ID, PAGE_TOKEN) == (1, 50, 86400)


def test_a_failed_container_reports_why(fake_graph):
    container_id = graph.ig_create_container(
        IG_USER_ID, PAGE_TOKEN, "https://cdn.example.com/c.jpg", ""
    )
    fake_graph.container_statuses[container_id] = ["ERROR"]

    assert graph.ig_container_status(container_id, PAGE_TOKEN) == (
        "ERROR",
        "Error: Media upload has failed with error code 2207026",
    )


def test_publishing_a_container_twice_is_refused(fake_graph):
    container_id = graph.ig_create_container(
        IG_USER_ID, PAGE_TOKEN, "https://cdn.example.com/c.jpg", ""
    )
    graph.ig_publish(IG_USER_ID, PAGE_TOKEN, container_id)

    with pytest.raises(GraphError) as caught:
        graph.ig_publish(IG_USER_ID, PAGE_TOKEN, container_id)

    assert (caught.value.code, caught.value.subcode) == (100, 2207001)
    assert not caught.value.retryable
    assert len(fake_graph.media) == 1


# --- WhatsApp -------------------------------------------------------------------------------


def test_whatsapp_text(fake_graph):
    message_id = graph.whatsapp_send_text(PHONE_NUMBER_ID, WA_TOKEN, "+15550123456", "See you!")

    assert message_id.startswith("wamid.")
    [call] = fake_graph.received
    assert (call.path, call.headers["content-type"]) == (
        f"/{PHONE_NUMBER_ID}/messages",
        "application/json",
    )
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+15550123456",
        "type": "text",
        "text": {"body": "See you!", "preview_url": False},
    }


def test_whatsapp_template(fake_graph):
    message_id = graph.whatsapp_send_template(
        PHONE_NUMBER_ID,
        WA_TOKEN,
        "+15550123456",
        "appointment_reminder",
        "en_US",
        ["Ana", "Friday"],
    )

    assert fake_graph.messages[0]["id"] == message_id
    assert fake_graph.received[0].body["template"] == {
        "name": "appointment_reminder",
        "language": {"code": "en_US"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "Friday"}],
            }
        ],
    }


def test_whatsapp_templates_lists_the_approved_ones(fake_graph):
    templates = graph.whatsapp_templates(WABA_ID, WA_TOKEN)

    assert [template["name"] for template in templates] == ["appointment_reminder"]


def test_whatsapp_error_reads_the_details(fake_graph):
    fake_graph.fail(
        f"/{PHONE_NUMBER_ID}/messages",
        graph_error(
            131047,
            "Re-engagement message",
            details="Message failed to send because more than 24 hours have passed since "
            "the customer last replied to this number.",
        ),
    )

    with pytest.raises(GraphError) as caught:
        graph.whatsapp_send_text(PHONE_NUMBER_ID, WA_TOKEN, "+15550123456", "Hi")

    assert caught.value.code == 131047
    assert caught.value.reason.startswith("Message failed to send because more than 24 hours")
    assert not caught.value.retryable
    assert fake_graph.messages == []


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "retryable", "needs_reauth", "reason"),
    [
        (
            dict(status=500),
            True,
            False,
            "Meta had a temporary problem; try again later.",
        ),
        (dict(status=503), True, False, "Meta had a temporary problem; try again later."),
        (
            dict(status=429),
            True,
            False,
            "Meta is limiting how often this account can call it; try again later.",
        ),
        (
            graph_error(1, "An unknown error has occurred.", status=500),
            True,
            False,
            "Meta had a temporary problem; try again later.",
        ),
        (
            graph_error(2, "An unexpected error has occurred. Please retry your request later."),
            True,
            False,
            "An unexpected error has occurred. Please retry your request later.",
        ),
        (rate_limited(), True, False, "(#4) Application request limit reached"),
        (graph_error(17, "(#17) User request limit reached"), True, False, None),
        (graph_error(32, "(#32) Page request limit reached"), True, False, None),
        (graph_error(613, "Calls to this api have exceeded the rate limit."), True, False, None),
        (
            graph_error(80001, "There have been too many calls to this Page account."),
            True,
            False,
            None,
        ),
        (
            expired_token(),
            False,
            True,
            "Error validating access token: Session has expired on Thursday, 03-Dec-26 "
            "10:00:00 PST.",
        ),
        (graph_error(102, "Session key invalid or no longer valid"), False, True, None),
        (
            graph_error(10, "(#10) Application does not have permission for this action"),
            False,
            True,
            None,
        ),
        (
            graph_error(
                368,
                "It looks like you were misusing this feature by going too fast.",
                user_msg="Your post could not be shared because it goes against our Community Standards.",
            ),
            False,
            False,
            "Your post could not be shared because it goes against our Community Standards.",
        ),
    ],
)
def test_error_classes(fake_graph, failure, retryable, needs_reauth, reason):
    # given
    if isinstance(failure, dict):
        fake_graph.fail(FEED, **failure)
    else:
        fake_graph.fail(FEED, failure)

    # when
    with pytest.raises(GraphError) as caught:
        graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")

    # then
    error = caught.value
    assert (error.retryable, error.needs_reauth, error.outcome_unknown) == (
        retryable,
        needs_reauth,
        False,
    )
    assert error.reason == (reason or error.message)
    assert "unknown error" not in error.reason.lower()
    assert fake_graph.posts == []


def test_error_fields_are_parsed(fake_graph):
    fake_graph.fail(FEED, expired_token())

    with pytest.raises(GraphError) as caught:
        graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")

    error = caught.value
    assert (error.code, error.subcode, error.type, error.fbtrace_id, error.status) == (
        190,
        463,
        "OAuthException",
        "AbCdEfGhIjK",
        401,
    )
    assert str(error) == f"{error.message} (code 190/463)"


def test_the_retry_after_an_error_publishes_once(fake_graph):
    fake_graph.fail(FEED, status=500, times=2)

    for _ in range(2):
        with pytest.raises(GraphError):
            graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")
    post_id = graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")

    assert [post["id"] for post in fake_graph.posts] == [post_id]
    assert len(fake_graph.calls(FEED)) == 3


def test_a_timeout_after_the_publish_was_received_is_an_unknown_outcome(fake_graph):
    # given: Meta publishes, then answers after the client's read timeout
    fake_graph.delay(FEED, 2.0)

    # when
    with pytest.raises(GraphError) as caught:
        graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")

    # then
    error = caught.value
    assert (error.transport, error.outcome_unknown, error.retryable) == ("timeout", True, False)
    assert error.reason == (
        "Meta did not answer after receiving the request; it may have been published, "
        "so check before trying again."
    )
    assert len(fake_graph.calls(FEED, "POST")) == 1
    assert [post["message"] for post in fake_graph.posts] == ["Hello"]


def test_a_dropped_connection_after_the_publish_is_an_unknown_outcome(fake_graph):
    fake_graph.fail(f"/{IG_USER_ID}/media_publish", drop=True)

    with pytest.raises(GraphError) as caught:
        graph.ig_publish(IG_USER_ID, PAGE_TOKEN, "17841400000000001-0001")

    assert (caught.value.transport, caught.value.outcome_unknown) == ("connection", True)
    assert len(fake_graph.calls(f"/{IG_USER_ID}/media_publish")) == 1


def test_a_gateway_timeout_on_a_publish_is_an_unknown_outcome(fake_graph):
    fake_graph.fail(FEED, status=504)

    with pytest.raises(GraphError) as caught:
        graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")

    assert (caught.value.status, caught.value.outcome_unknown, caught.value.retryable) == (
        504,
        True,
        False,
    )


def test_a_timeout_on_a_read_is_retryable(fake_graph):
    fake_graph.delay(f"/{PAGE_ID}", 2.0)

    with pytest.raises(GraphError) as caught:
        graph.page(PAGE_ID, PAGE_TOKEN)

    assert (caught.value.transport, caught.value.retryable) == ("timeout", True)
    assert not caught.value.outcome_unknown


def test_a_dropped_connection_on_a_read_is_retryable(fake_graph):
    fake_graph.fail("/me/accounts", drop=True)

    with pytest.raises(GraphError) as caught:
        graph.pages(LONG_TOKEN)

    assert (caught.value.transport, caught.value.retryable) == ("connection", True)
    assert not caught.value.outcome_unknown


def test_a_publish_that_could_not_connect_was_not_sent(settings):
    # given: a port nobody listens on
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CRM_GRAPH_BASE_URL = f"http://127.0.0.1:{port}"

    # when
    with pytest.raises(GraphError) as caught:
        graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")

    # then
    error = caught.value
    assert (error.transport, error.outcome_unknown, error.retryable) == ("connection", False, True)
    assert error.reason == "The connection to Meta failed before the request was sent."


def test_the_version_is_a_setting(fake_graph, settings):
    settings.CRM_GRAPH_VERSION = "v23.0"

    graph.page(PAGE_ID, PAGE_TOKEN)

    assert fake_graph.received[0].target == f"/v23.0/{PAGE_ID}?fields=id%2Cname"


def test_whatsapp_throughput_limit_is_retryable(fake_graph):
    fake_graph.fail(
        f"/{PHONE_NUMBER_ID}/messages",
        graph_error(
            130429, "Rate limit hit", details="Cloud API message throughput has been reached."
        ),
    )

    with pytest.raises(GraphError) as caught:
        graph.whatsapp_send_text(PHONE_NUMBER_ID, WA_TOKEN, "+15550123456", "Hi")

    assert (caught.value.retryable, caught.value.outcome_unknown) == (True, False)
    assert caught.value.reason == "Cloud API message throughput has been reached."


def test_an_error_survives_copying(fake_graph):
    fake_graph.fail(FEED, expired_token())
    with pytest.raises(GraphError) as caught:
        graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")

    # Copied the way pickle (a Celery result backend) rebuilds an exception.
    copied = copy.deepcopy(caught.value)

    assert vars(copied) == vars(caught.value)
    assert (copied.code, copied.subcode, copied.needs_reauth, str(copied)) == (
        190,
        463,
        True,
        str(caught.value),
    )


def test_an_empty_error_never_reads_unknown():
    assert GraphError().reason == "Meta refused the request."
    assert GraphError(message="An unknown error occurred", status=400).reason == (
        "Meta refused the request (HTTP 400)."
    )


# --- Secrets --------------------------------------------------------------------------------


def test_tokens_and_the_secret_never_reach_urls_or_logs(fake_graph, caplog):
    # given
    caplog.set_level(logging.DEBUG)
    fake_graph.page_size = 1
    fake_graph.fail(f"/{PAGE_ID}/photos", expired_token())

    # when: every call, and a failing one
    graph.exchange_code(AUTH_CODE, "https://app.example.com/social/callback")
    graph.long_lived_user_token(SHORT_TOKEN)
    graph.permissions(LONG_TOKEN)
    graph.pages(LONG_TOKEN)
    graph.page(PAGE_ID, PAGE_TOKEN)
    graph.publish_page_post(PAGE_ID, PAGE_TOKEN, "Hello")
    with pytest.raises(GraphError):
        graph.publish_page_post(
            PAGE_ID, PAGE_TOKEN, "Hi", image_url="https://cdn.example.com/a.jpg"
        )
    container_id = graph.ig_create_container(
        IG_USER_ID, PAGE_TOKEN, "https://cdn.example.com/a.jpg", ""
    )
    graph.ig_container_status(container_id, PAGE_TOKEN)
    graph.ig_publish(IG_USER_ID, PAGE_TOKEN, container_id)
    graph.ig_publishing_limit(IG_USER_ID, PAGE_TOKEN)
    graph.whatsapp_send_text(PHONE_NUMBER_ID, WA_TOKEN, "+15550123456", "Hi")
    graph.whatsapp_send_template(
        PHONE_NUMBER_ID, WA_TOKEN, "+15550123456", "appointment_reminder", "en_US"
    )
    graph.whatsapp_templates(WABA_ID, WA_TOKEN)

    # then
    secrets = [APP_SECRET, AUTH_CODE, SHORT_TOKEN, LONG_TOKEN, PAGE_TOKEN, WA_TOKEN]
    assert len(fake_graph.received) == 16  # two pages each of Pages and templates
    for call in fake_graph.received:
        assert not any(secret in call.target for secret in secrets), call.target
        assert "access_token" not in call.query
    assert "HTTP Request: POST" in caplog.text  # httpx logged its URLs...
    assert not [secret for secret in secrets if secret in caplog.text]  # ...and no secret
