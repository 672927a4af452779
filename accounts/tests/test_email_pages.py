"""The pages verification and password-reset emails link to when no front end is configured
(``accounts.pages``), driven end to end like a browser: the link is taken from the email,
opened, and its form submitted with the CSRF token the page carries. Also where the links
point: the request's host and port, ``PUBLIC_URL`` without a request, or the front end."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import checks, mail
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts import services
from accounts.services import tokens_for
from config.tests.test_production_settings import PRODUCTION_ENV, manage
from core.checks import public_url_is_known

from .factories import UserFactory
from .helpers import bearer

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
FORGOT = "/api/v1/auth/password/forgot"
RESEND = "/api/v1/auth/verify-email/resend"
REFRESH = "/api/v1/auth/refresh"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
EMAIL = "fresh@example.com"
PASSWORD = "a sturdy passphrase 42"
NEW = "a brand new passphrase 7"
PAGE_LINK = re.compile(r"(\S+/account/(?:verify-email|reset-password)/\S+)")


# --- Reading a page like a browser --------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.inputs: list[str] = []
        self.actions: list[str] = []
        self.errors: list[str] = []
        self.scripts = 0
        self._in_main = False
        self._in_error = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self._in_main = True
        elif tag == "script":
            self.scripts += 1
        elif tag == "input":
            self.inputs.append(attrs["name"])
        elif tag == "form":
            self.actions.append(attrs.get("action", ""))
        elif tag == "ul" and attrs.get("class") == "errorlist":
            self._in_error = True

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        elif tag == "ul":
            self._in_error = False

    def handle_data(self, data):
        if self._in_main:
            self.words.extend(data.split())
        if self._in_error and data.strip():
            self.errors.append(data.strip())


def read(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def text_of(response) -> str:
    """The words a reader sees in the page's main part, spaces collapsed."""
    return " ".join(read(response).words)


def csrf_token_of(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


def submit(browser: Client, page, path: str, **fields):
    """Post the form of ``page`` to ``path`` with ``fields`` and the page's CSRF token."""
    return browser.post(path, {"csrfmiddlewaretoken": csrf_token_of(page), **fields})


def link_in_last_email() -> str:
    match = PAGE_LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def path_of(link: str) -> str:
    return urlsplit(link).path


@pytest.fixture
def browser() -> Client:
    """A browser: cookies kept, the CSRF check enforced as for a real one."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def registered(api, django_capture_on_commit_callbacks) -> str:
    """Registers EMAIL through the API; the link of its verification email."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            REGISTER,
            {
                "email": EMAIL,
                "password": PASSWORD,
                "confirm_password": PASSWORD,
                "agreed_to_terms": True,
                "agreed_to_privacy": True,
            },
        )
    assert response.status_code == 201
    return link_in_last_email()


def verified(email: str = EMAIL) -> bool:
    return EmailAddress.objects.get(email=email).verified


def forgot(api, capture, email: str, **headers) -> None:
    with capture(execute=True):
        assert api.post(FORGOT, {"email": email}, **headers).status_code == 202


# --- Verification -------------------------------------------------------------------------


def test_the_emailed_link_opens_a_page_whose_confirm_button_verifies(api, browser, registered):
    # given
    assert registered.startswith("http://testserver/account/verify-email/")

    # when: the link is opened (as a mail scanner would), then the button pressed
    page = browser.get(path_of(registered))
    opened_only = verified()
    response = submit(browser, page, path_of(registered))

    # then
    assert page.status_code == 200
    assert text_of(page) == (
        "Confirm your email address Please confirm that fresh@example.com is your email "
        "address. Confirm"
    )
    assert read(page).inputs == ["csrfmiddlewaretoken"]
    assert opened_only is False
    assert response.status_code == 200
    assert text_of(response) == (
        "Email address confirmed fresh@example.com is confirmed. You can now sign in to the app."
    )
    signed_in = api.post(LOGIN, {"email": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 200
    me = bearer(signed_in.json()["access"]).get(ME)
    assert me.json()["email_verified"] is True


def test_a_post_without_the_csrf_token_is_refused(browser, registered):
    # given
    browser.get(path_of(registered))

    # when
    response = browser.post(path_of(registered), {})

    # then
    assert response.status_code == 403
    assert verified() is False


def test_a_used_link_offers_a_new_email(browser, registered):
    # given
    page = browser.get(path_of(registered))
    submit(browser, page, path_of(registered))

    # when
    again = browser.get(path_of(registered))
    resubmitted = submit(browser, page, path_of(registered))

    # then
    for response in (again, resubmitted):
        assert response.status_code == 400
        assert text_of(response) == (
            "This link does not work This confirmation link is invalid, has expired, or was "
            "used already. If your address is not confirmed yet, we can send you a new link. "
            "Email address: Send a new link"
        )
        assert read(response).actions == ["/account/verify-email/resend"]
        assert read(response).inputs == ["csrfmiddlewaretoken", "email"]


def test_an_expired_link_verifies_nothing(browser, registered):
    # given
    page = browser.get(path_of(registered))

    # when: past EMAIL_VERIFICATION_EXPIRE_DAYS
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        opened = browser.get(path_of(registered))
        response = submit(browser, page, path_of(registered))

    # then
    assert [opened.status_code, response.status_code] == [400, 400]
    assert text_of(response).startswith("This link does not work")
    assert verified() is False


def test_the_resend_form_answers_alike_and_mails_only_an_unverified_address(
    browser, registered, django_capture_on_commit_callbacks
):
    # given
    UserFactory(email="verified@example.com")
    invalid = browser.get("/account/verify-email/forged:key")
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            submit(browser, invalid, "/account/verify-email/resend", email=email)
            for email in ("FRESH@example.com", "verified@example.com", "nobody@example.com")
        ]

    # then
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({r.content for r in responses}) == 1
    assert text_of(responses[0]) == (
        "Check your inbox If an account matches this address, an email with a new link is "
        "on its way. It may take a few minutes; check your spam folder too."
    )
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = link_in_last_email()
    assert link.startswith("http://testserver/account/verify-email/")
    page = browser.get(path_of(link))
    assert submit(browser, page, path_of(link)).status_code == 200
    assert verified() is True


@pytest.mark.parametrize(
    ("email", "errors"),
    [
        ("", ["This field is required."]),
        ("not-an-address", ["Enter a valid email address."]),
        (
            "a" * 250 + "@example.com",
            ["Ensure this value has at most 254 characters (it has 262)."],
        ),
        (
            "nul\x00@example.com",
            ["Enter a valid email address.", "Null characters are not allowed."],
        ),
    ],
    ids=["empty", "malformed", "too long", "nul"],
)
def test_the_resend_form_names_a_bad_address_and_sends_nothing(
    browser, email, errors, django_capture_on_commit_callbacks
):
    # given
    page = browser.get("/account/verify-email/resend")

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = submit(browser, page, "/account/verify-email/resend", email=email)

    # then
    assert page.status_code == 200
    assert response.status_code == 400
    assert read(response).errors == errors
    assert callbacks == []
    assert mail.outbox == []


# --- Password reset -----------------------------------------------------------------------


def test_the_reset_page_sets_the_password_and_ends_every_session(
    api, browser, member, password, django_capture_on_commit_callbacks
):
    # given
    sessions = [tokens_for(user=member), tokens_for(user=member)]
    forgot(api, django_capture_on_commit_callbacks, member.email)
    link = link_in_last_email()
    assert link.startswith("http://testserver/account/reset-password/")

    # when
    page = browser.get(path_of(link))
    response = submit(browser, page, path_of(link), new_password=NEW, confirm_password=NEW)

    # then
    assert page.status_code == 200
    assert read(page).inputs == ["csrfmiddlewaretoken", "new_password", "confirm_password"]
    assert response.status_code == 200
    assert text_of(response) == (
        "Password changed Your password is changed and you are signed out everywhere. "
        "Sign in to the app with your new password."
    )
    for session in sessions:
        assert api.post(REFRESH, {"refresh": session["refresh"]}).status_code == 401
    assert api.post(LOGIN, {"email": member.email, "password": password}).status_code == 401
    assert api.post(LOGIN, {"email": member.email, "password": NEW}).status_code == 200


@pytest.mark.parametrize(
    ("new_password", "confirm_password", "errors"),
    [
        ("", "", ["This field is required.", "This field is required."]),
        (NEW, "a brand new passphrase 8", ["The two passwords differ."]),
        ("short", "short", ["This password is too short. It must contain at least 8 characters."]),
        ("password123", "password123", ["This password is too common."]),
        ("8675309012", "8675309012", ["This password is entirely numeric."]),
        (
            "member0@example.com",
            "member0@example.com",
            ["The password is too similar to the email."],
        ),
        ("x" * 129, "x" * 129, ["Ensure this value has at most 128 characters (it has 129)."] * 2),
        (
            "nul\x00 in a passphrase",
            "nul\x00 in a passphrase",
            ["Null characters are not allowed."] * 2,
        ),
    ],
    ids=["empty", "mismatch", "short", "common", "numeric", "like the email", "too long", "nul"],
)
def test_a_refused_password_is_shown_in_the_form_and_changes_nothing(
    api,
    browser,
    password,
    new_password,
    confirm_password,
    errors,
    django_capture_on_commit_callbacks,
):
    # given
    member = UserFactory(email="member0@example.com")
    session = tokens_for(user=member)
    forgot(api, django_capture_on_commit_callbacks, member.email)
    link = link_in_last_email()
    page = browser.get(path_of(link))

    # when
    response = submit(
        browser,
        page,
        path_of(link),
        new_password=new_password,
        confirm_password=confirm_password,
    )

    # then
    assert response.status_code == 400
    assert text_of(response).startswith("Choose a new password")
    assert read(response).errors == errors
    member.refresh_from_db()
    assert member.check_password(password)
    assert api.post(REFRESH, {"refresh": session["refresh"]}).status_code == 200
    # the link still works for a second try
    retry = submit(browser, page, path_of(link), new_password=NEW, confirm_password=NEW)
    assert retry.status_code == 200


def test_an_expired_or_used_reset_link_offers_a_new_email(
    api, browser, member, password, django_capture_on_commit_callbacks
):
    # given
    forgot(api, django_capture_on_commit_callbacks, member.email)
    link = link_in_last_email()
    page = browser.get(path_of(link))

    # when: past PASSWORD_RESET_TIMEOUT, then once used
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        expired = browser.get(path_of(link))
        expired_post = submit(browser, page, path_of(link), new_password=NEW, confirm_password=NEW)
    submit(browser, page, path_of(link), new_password=NEW, confirm_password=NEW)
    used = browser.get(path_of(link))

    # then
    for response in (expired, expired_post, used):
        assert response.status_code == 400
        assert text_of(response) == (
            "This link has expired This password reset link is invalid, has expired, or was "
            "used already. We can send you a new one. Email address: Send a new link"
        )
        assert read(response).actions == ["/account/reset-password/forgot"]
    member.refresh_from_db()
    assert member.check_password(NEW)


def test_the_forgot_form_answers_alike_and_mails_a_working_link(
    api, browser, member, django_capture_on_commit_callbacks
):
    # given
    UserFactory(email="inactive@example.com", is_active=False)
    page = browser.get("/account/reset-password/forgot")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            submit(browser, page, "/account/reset-password/forgot", email=email)
            for email in (member.email, "nobody@example.com", "inactive@example.com")
        ]

    # then
    assert text_of(page) == (
        "Reset your password Enter your email address and we will send you a link to choose "
        "a new password. Email address: Send the link"
    )
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({r.content for r in responses}) == 1
    assert [m.to for m in mail.outbox] == [[member.email]]
    link = link_in_last_email()
    reset = browser.get(path_of(link))
    assert (
        submit(browser, reset, path_of(link), new_password=NEW, confirm_password=NEW).status_code
        == 200
    )


# --- Malformed keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "garbage",
        "forged:key:signature",
        "x" * 5000,
        "%C3%BC%C3%B1%C3%AFc%C3%B8d%C3%A9",
        "%E2%80%AE%F0%9F%94%91",
        "%C0%80",
        "%FF%FE",
        "%ED%A0%80",
        "%20",
        "0-0",
        "00000000000000000000000000000000-abc-def",
    ],
    ids=[
        "garbage",
        "forged",
        "overlong",
        "non-ascii",
        "bidi and emoji",
        "overlong nul",
        "invalid utf-8",
        "surrogate",
        "space",
        "short",
        "no such user",
    ],
)
@pytest.mark.parametrize("page", ["verify-email", "reset-password"])
def test_a_malformed_key_is_the_invalid_page_never_an_error(browser, member, page, key):
    # given
    token_page = browser.get("/account/verify-email/resend")

    # when
    opened = browser.get(f"/account/{page}/{key}")
    posted = submit(
        browser, token_page, f"/account/{page}/{key}", new_password=NEW, confirm_password=NEW
    )

    # then
    for response in (opened, posted):
        assert response.status_code == 400
        assert text_of(response).startswith(("This link does not work", "This link has expired"))
    assert verified(member.email) is True
    member.refresh_from_db()
    assert not member.check_password(NEW)


@pytest.mark.parametrize("path", ["/account/verify-email/%00", "/account/reset-password/a%00b"])
def test_a_nul_in_the_key_is_a_404(browser, path):
    assert browser.get(path).status_code == 404
    assert browser.post(path, {}).status_code == 404


# --- Throttling ---------------------------------------------------------------------------


def test_the_pages_posts_share_the_auth_throttle_and_their_gets_do_not_count(registered, settings):
    # given: a browser at another address than the registration's, allowed 2 POSTs a minute
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "auth": "2/min"},
    }
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.9")
    for _ in range(4):
        page = browser.get(path_of(registered))
    allowed = [
        submit(browser, page, "/account/verify-email/resend", email="nobody@example.com"),
        submit(browser, page, "/account/reset-password/forgot", email="nobody@example.com"),
    ]

    # when
    response = submit(browser, page, path_of(registered))

    # then
    assert [r.status_code for r in allowed] == [200, 200]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert text_of(response) == (
        "Too many attempts Too many attempts from this address. Try again in 1 minute."
    )
    assert verified() is False


# --- Where the links point ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "base"),
    [
        ({"HTTP_HOST": "testserver:8001"}, "http://testserver:8001"),
        (
            {"HTTP_HOST": "api.example.com", "HTTP_X_FORWARDED_PROTO": "https"},
            "https://api.example.com",
        ),
    ],
    ids=["another port", "behind a proxy"],
)
def test_links_name_the_host_and_port_the_request_reached(
    api, member, settings, headers, base, django_capture_on_commit_callbacks
):
    # given
    settings.ALLOWED_HOSTS = ["testserver", "api.example.com"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    registration = {
        "email": EMAIL,
        "password": PASSWORD,
        "confirm_password": PASSWORD,
        "agreed_to_terms": True,
        "agreed_to_privacy": True,
    }

    # when: registration writes its email in the request, resend and forgot in a task after
    with django_capture_on_commit_callbacks(execute=True):
        api.post(REGISTER, registration, **headers)
        api.post(RESEND, {"email": EMAIL}, **headers)
        api.post(FORGOT, {"email": member.email}, **headers)

    # then
    links = [PAGE_LINK.search(m.body).group(1) for m in mail.outbox]
    assert [link.rsplit("/", 1)[0] for link in links] == [
        f"{base}/account/verify-email",
        f"{base}/account/verify-email",
        f"{base}/account/reset-password",
    ]


def test_a_host_outside_allowed_hosts_writes_no_link(
    api, member, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(FORGOT, {"email": member.email}, HTTP_HOST="evil.example.net")

    # then
    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("configured", "base"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PUBLIC_URL": "https://api.example.com"}, "https://api.example.com"),
    ],
    ids=["nothing set", "public url"],
)
def test_without_a_request_links_start_with_the_public_url(
    settings, configured, base, registered, django_capture_on_commit_callbacks
):
    # given
    for name, value in configured.items():
        setattr(settings, name, value)
    mail.outbox.clear()

    # when: as a task queued without the request's address
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_resend(email=EMAIL)

    # then
    assert link_in_last_email().startswith(f"{base}/account/verify-email/")


def test_with_a_front_end_the_links_point_there_as_before(
    api, member, settings, django_capture_on_commit_callbacks
):
    # given
    settings.FRONTEND_URL = "https://app.example.com"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            REGISTER,
            {
                "email": EMAIL,
                "password": PASSWORD,
                "confirm_password": PASSWORD,
                "agreed_to_terms": True,
                "agreed_to_privacy": True,
            },
            HTTP_HOST="testserver:8001",
        )
        api.post(FORGOT, {"email": member.email})

    # then
    verify, reset = (m.body for m in mail.outbox)
    verify_key = re.search(r"https://app\.example\.com/verify-email\?key=([\w:\-]+)\n", verify)
    reset_key = re.search(r"https://app\.example\.com/reset-password\?key=([\w:\-]+)\n", reset)
    assert verify_key and reset_key, (verify, reset)
    assert "/account/" not in verify + reset
    verified_by_api = api.post("/api/v1/auth/verify-email", {"key": verify_key.group(1)})
    assert verified_by_api.status_code == 200
    reset_by_api = api.post(
        "/api/v1/auth/password/reset", {"key": reset_key.group(1), "new_password": NEW}
    )
    assert reset_by_api.status_code == 200


# --- The pages themselves -----------------------------------------------------------------


def test_the_pages_load_nothing_but_their_own_stylesheet(settings, browser, registered):
    # given: the static-file settings of `make run`
    settings.DEBUG = True
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    # when
    page = browser.get(path_of(registered))
    stylesheet = Client().get("/static/accounts/pages.css")

    # then
    html = page.content.decode()
    assert re.findall(r'(?:src|href)="([^"]*)"', html) == ["/static/accounts/pages.css"]
    assert read(page).scripts == 0
    assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert stylesheet.status_code == 200


def test_the_pages_are_not_in_the_api_schema():
    # when
    schema = SchemaGenerator().get_schema(request=None, public=True)

    # then
    assert [path for path in schema["paths"] if "/account/" in path] == []


# --- Configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "warned"),
    [
        ({}, True),
        ({"PUBLIC_URL": "https://api.example.com"}, False),
        ({"FRONTEND_URL": "https://app.example.com"}, False),
    ],
    ids=["nothing set", "public url", "front end"],
)
def test_the_deploy_check_warns_when_the_platform_has_no_address(settings, configured, warned):
    # given
    for name, value in configured.items():
        setattr(settings, name, value)

    # when
    warnings = public_url_is_known()

    # then
    assert [w.id for w in warnings] == (["core.W001"] if warned else [])


def test_the_check_runs_with_the_deploy_checks_only():
    assert public_url_is_known in checks.registry.registry.get_checks(True)
    assert public_url_is_known not in checks.registry.registry.get_checks(False)


def test_without_a_front_end_stripe_returns_to_the_public_url_under_production_settings():
    # given
    script = (
        "from django.conf import settings; "
        "print(settings.BILLING_SUCCESS_URL, settings.BILLING_CANCEL_URL, "
        "settings.BILLING_PORTAL_RETURN_URL)"
    )

    # when
    result = manage("shell", "--no-imports", "-c", script, **PRODUCTION_ENV, FRONTEND_URL="")

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "https://api.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}",
        "https://api.example.com/billing/cancel",
        "https://api.example.com/billing",
    ]
