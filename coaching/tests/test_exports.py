"""GET /coaching/tools/{kind}/{id}/export?format=md|pdf|json, and coaching.exports."""

import io
import json

import pytest
from pypdf import PdfReader

from accounts.tests.helpers import client_for, errors_of
from coaching import exports

from .factories import ROADMAP_CONTENT, ArtifactFactory

pytestmark = pytest.mark.django_db

BRAND = {
    "title": "The calm operator",
    "positioning": "I help support teams grow into product roles.",
    "tagline": "Support is product research — done daily.",
    "voice": ["calm", "practical"],
    "audiences": ["Support leads"],
    "pillars": [{"name": "Tickets as data", "description": "What queues teach."}],
    "bio_short": "Support lead turning product manager.",
    "bio_long": "Ten years in support. Now building products.",
}
DOCUMENT = {
    "title": "Cover letter for Acme",
    "doc_type": "cover_letter",
    "sections": [{"heading": "Why Acme", "body": "Your support team is famous."}],
}
CONTENT = {
    "title": "Tickets teach",
    "channel": "x",
    "hook": "Every ticket is a user interview.",
    "body": "Read them.",
    "call_to_action": "Reply with yours.",
    "hashtags": ["product", "#support"],
}


def url(artifact, export_format=None) -> str:
    base = f"/api/v1/coaching/tools/{artifact.kind}/{artifact.pk}/export"
    return f"{base}?format={export_format}" if export_format else base


def test_pdf_export_parses_and_carries_the_title(member):
    # given
    artifact = ArtifactFactory(user=member)

    # when
    response = client_for(member).get(url(artifact, "pdf"))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="roadmap-into-product-management.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == "Into product management"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Into product management" in text
    assert "Stage 1: Foundations" in text
    assert "Inspired, by Marty Cagan" in text


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        ("brand", BRAND, "Support is product research — done daily."),
        ("document", DOCUMENT, "Your support team is famous."),
        ("content", CONTENT, "#product #support"),
    ],
)
def test_every_tool_exports_to_pdf(kind, content, expected, member):
    # given
    artifact = ArtifactFactory(user=member, kind=kind, content=content)

    # when
    response = client_for(member).get(url(artifact, "pdf"))

    # then
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert content["title"] in text
    assert expected in text


def test_characters_the_pdf_font_lacks_become_question_marks(member):
    # given
    artifact = ArtifactFactory(
        user=member, kind="content", content={**CONTENT, "title": "Café 日本 ✓"}
    )

    # when
    pdf = exports.to_pdf(artifact)

    # then
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "Café 日本 ✓"
    assert "Café ?? ?" in reader.pages[0].extract_text()


def test_markdown_export(member):
    # given
    artifact = ArtifactFactory(user=member)

    # when
    response = client_for(member).get(url(artifact, "md"))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="roadmap-into-product-management.md"'
    )
    assert response.content.decode() == (
        "# Into product management\n"
        "\n"
        "From support lead to product manager in a year.\n"
        "\n"
        "## Stage 1: Foundations\n"
        "\n"
        "*8 weeks*\n"
        "\n"
        "### Goals\n"
        "\n"
        "- Write a product brief\n"
        "\n"
        "### Skills\n"
        "\n"
        "- Discovery\n"
        "\n"
        "### Resources\n"
        "\n"
        "- Inspired, by Marty Cagan\n"
    )


def test_markdown_is_the_default_and_lists_stay_together(member):
    # given
    artifact = ArtifactFactory(user=member, kind="brand", content=BRAND)

    # when
    response = client_for(member).get(url(artifact))

    # then
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    body = response.content.decode()
    assert "## Voice\n\n- calm\n- practical\n\n## Audiences" in body
    assert body.startswith("# The calm operator\n\n*Support is product research — done daily.*")


def test_json_export(member):
    # given
    artifact = ArtifactFactory(user=member, kind="document", content=DOCUMENT)

    # when
    response = client_for(member).get(url(artifact, "json"))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="document-cover-letter-for-acme.json"'
    )
    assert json.loads(response.content) == {
        "id": str(artifact.pk),
        "kind": "document",
        "title": "Cover letter for Acme",
        "version": 1,
        "created_at": artifact.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": artifact.updated_at.isoformat().replace("+00:00", "Z"),
        "content": DOCUMENT,
    }


def test_a_title_without_safe_characters_gives_the_kind_as_filename(member):
    # given
    artifact = ArtifactFactory(user=member, title='"; rm -rf /', content=ROADMAP_CONTENT)

    # when
    response = client_for(member).get(url(artifact, "md"))

    # then
    assert response["Content-Disposition"] == 'attachment; filename="roadmap-rm-rf.md"'
    artifact.title = "日本"
    assert exports.filename_for(artifact, "pdf") == "roadmap.pdf"


def test_a_bad_format_is_a_400(member):
    # given
    artifact = ArtifactFactory(user=member)

    # when
    response = client_for(member).get(url(artifact, "docx"))

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid_choice", "attr": "format"}]


@pytest.mark.parametrize("status", ["pending", "failed"])
def test_an_artifact_that_is_not_ready_is_a_409(status, member):
    # given
    artifact = ArtifactFactory(user=member, status=status, content=None, title="")

    # when
    response = client_for(member).get(url(artifact, "pdf"))

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "not_ready", "attr": None}]


def test_another_members_artifact_is_a_404(member, other_member):
    # given
    artifact = ArtifactFactory(user=other_member)

    # when
    response = client_for(member).get(url(artifact, "pdf"))

    # then
    assert response.status_code == 404


def test_export_needs_authentication(api):
    assert api.get(url(ArtifactFactory(), "md")).status_code == 401
