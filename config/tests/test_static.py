"""Static files: Swagger UI, Redoc and the admin work from this host alone, under `make run`
(DEBUG, WhiteNoise reading the apps' static directories) and in the production image
(WhiteNoise serving what collectstatic wrote)."""

import json
import re

import pytest
from django.test import AsyncClient, Client

from .test_production_settings import PRODUCTION_ENV, manage

SIDECAR = "/static/drf_spectacular_sidecar"
SWAGGER_UI_FILES = [
    f"{SIDECAR}/swagger-ui-dist/favicon-32x32.png",
    f"{SIDECAR}/swagger-ui-dist/swagger-ui.css",
    f"{SIDECAR}/swagger-ui-dist/swagger-ui-bundle.js",
    f"{SIDECAR}/swagger-ui-dist/swagger-ui-standalone-preset.js",
]
REDOC_FILES = [f"{SIDECAR}/redoc/bundles/redoc.standalone.js"]


def references(response) -> list[str]:
    """Every URL the page makes the browser load: src and href attributes, Redoc's spec-url."""
    return re.findall(r'(?:src|href|spec-url)="([^"]*)"', response.content.decode())


def absolute_urls(response) -> list[str]:
    """Any URL of another host, wherever it is (attributes, inline CSS or script)."""
    return re.findall(r"""(?:https?:)?//[\w.-]+\.\w+""", response.content.decode())


def static_references(response) -> list[str]:
    return [url for url in references(response) if url.startswith("/static/")]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def make_run(settings):
    """The static-file settings of `make run` (DJANGO_ENV=development, DEBUG on)."""
    settings.DEBUG = True
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


# --- make run -----------------------------------------------------------------------------


def test_swagger_ui_loads_only_files_of_this_host(make_run):
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    assert references(response) == SWAGGER_UI_FILES
    assert absolute_urls(response) == []


def test_redoc_loads_only_files_of_this_host(make_run):
    response = Client().get("/api/redoc/")

    assert response.status_code == 200
    # drf-spectacular's own page also links Google Fonts (templates/drf_spectacular/).
    assert references(response) == ["/api/schema/", *REDOC_FILES]
    assert absolute_urls(response) == []


@pytest.mark.parametrize("url", SWAGGER_UI_FILES + REDOC_FILES)
def test_the_docs_files_are_served_by_the_wsgi_app(make_run, url):
    response = Client().get(url)

    assert response.status_code == 200
    assert len(body_of(response)) == int(response["Content-Length"]) > 0


@pytest.mark.parametrize("url", [*SWAGGER_UI_FILES, *REDOC_FILES, "/static/admin/css/base.css"])
async def test_static_files_are_served_by_the_asgi_app_of_make_run(make_run, url):
    response = await AsyncClient().get(url)

    assert response.status_code == 200
    assert int(response["Content-Length"]) > 0


def test_the_admin_is_styled(make_run, admin_browser):
    page = admin_browser.get("/admin/")
    stylesheets = [url for url in static_references(page) if url.endswith(".css")]

    assert page.status_code == 200
    assert "/static/admin/css/base.css" in stylesheets
    assert {url: Client().get(url).status_code for url in static_references(page)} == {
        url: 200 for url in static_references(page)
    }


def test_an_unknown_static_file_is_a_404(make_run):
    assert Client().get("/static/admin/css/no-such-file.css").status_code == 404


# --- the production image -----------------------------------------------------------------


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic as the Dockerfile runs it, under the production settings, into a
    directory of this test's; with the production settings that serve the result."""
    root = tmp_path_factory.mktemp("staticfiles")
    script = (
        "import json; from django.conf import settings; "
        "from django.core.management import call_command; "
        f"settings.STATIC_ROOT = {str(root)!r}; "
        "call_command('collectstatic', '--noinput', '--verbosity', '0'); "
        "print(json.dumps({name: getattr(settings, name) for name in ("
        "'MIDDLEWARE', 'STORAGES', 'WHITENOISE_USE_FINDERS', 'WHITENOISE_AUTOREFRESH')}))"
    )
    result = manage("shell", "--no-imports", "-c", script, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return root, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, collected):
    root, production_settings = collected
    settings.DEBUG = False
    settings.STATIC_ROOT = root
    for name, value in production_settings.items():
        setattr(settings, name, value)
    return production_settings


def test_production_serves_static_files_with_whitenoise_after_the_security_middleware(
    production,
):
    assert production["MIDDLEWARE"][:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert production["STORAGES"]["staticfiles"] == {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    }
    assert (production["WHITENOISE_USE_FINDERS"], production["WHITENOISE_AUTOREFRESH"]) == (
        False,
        False,
    )


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_production_docs_load_hashed_files_cached_for_ever(production, page):
    response = Client().get(page)
    files = static_references(response)

    assert absolute_urls(response) == []
    assert len(files) == len(SWAGGER_UI_FILES if page == "/api/docs/" else REDOC_FILES)
    for url in files:
        served = Client().get(url, headers={"accept-encoding": "gzip"})
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
        assert served.status_code == 200, url
        assert served["Cache-Control"] == "max-age=315360000, public, immutable"
        if url.endswith((".js", ".css")):
            assert served["Content-Encoding"] == "gzip"
