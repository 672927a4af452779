"""Exports of a ready artifact: Markdown, JSON and PDF.

Each tool's content is first laid out as a list of blocks (a heading, a paragraph, a list
item...), and Markdown and PDF both render those blocks, so the two always say the same.

PDF is made with fpdf2 (pure Python). fpdf2 ships no fonts, and a Unicode TTF (DejaVu...)
is not guaranteed on the machine, so the PDF uses the core Helvetica font in its
Windows-1252 encoding: Western European text, typographic quotes, dashes, the euro sign and
bullets come out as written; any other character (CJK, emoji...) is printed as "?". The
Markdown and JSON exports carry the text unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify
from fpdf import FPDF
from rest_framework.utils.encoders import JSONEncoder

from core.exceptions import Conflict, DomainError

from .models import Artifact, GenerationStatus

PDF_ENCODING = "windows-1252"
FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "json": ("application/json", "json"),
    "pdf": ("application/pdf", "pdf"),
}
DOC_TYPE_LABELS = {
    "cv": "CV",
    "cover_letter": "Cover letter",
    "bio": "Bio",
    "proposal": "Proposal",
}


@dataclass(frozen=True)
class Block:
    style: str  # "h1", "h2", "h3", "p", "li", "meta"
    text: str


def blocks_of(artifact: Artifact) -> list[Block]:
    content: dict[str, Any] = artifact.content or {}
    blocks = [Block("h1", artifact.title or str(content.get("title", "")) or artifact.kind)]
    builder = _BUILDERS.get(artifact.kind)
    if builder is not None:
        blocks += builder(content)
    return blocks


def _roadmap(content: dict[str, Any]) -> list[Block]:
    blocks = [Block("p", content.get("summary", ""))]
    for number, stage in enumerate(content.get("stages", []), start=1):
        weeks = stage.get("duration_weeks")
        blocks.append(Block("h2", f"Stage {number}: {stage.get('title', '')}"))
        if weeks:
            blocks.append(Block("meta", f"{weeks} week{'s' if weeks != 1 else ''}"))
        for label, key in (("Goals", "goals"), ("Skills", "skills"), ("Resources", "resources")):
            if stage.get(key):
                blocks.append(Block("h3", label))
                blocks += [Block("li", item) for item in stage[key]]
    return blocks


def _brand(content: dict[str, Any]) -> list[Block]:
    blocks = [
        Block("meta", content.get("tagline", "")),
        Block("h2", "Positioning"),
        Block("p", content.get("positioning", "")),
        Block("h2", "Voice"),
        *[Block("li", item) for item in content.get("voice", [])],
        Block("h2", "Audiences"),
        *[Block("li", item) for item in content.get("audiences", [])],
        Block("h2", "Content pillars"),
    ]
    for pillar in content.get("pillars", []):
        blocks.append(Block("h3", pillar.get("name", "")))
        blocks.append(Block("p", pillar.get("description", "")))
    blocks += [
        Block("h2", "Short bio"),
        Block("p", content.get("bio_short", "")),
        Block("h2", "Long bio"),
        Block("p", content.get("bio_long", "")),
    ]
    return blocks


def _content(content: dict[str, Any]) -> list[Block]:
    hashtags = " ".join(f"#{tag.lstrip('#')}" for tag in content.get("hashtags", []))
    blocks = [
        Block("meta", f"Channel: {content.get('channel', '')}"),
        Block("p", content.get("hook", "")),
        Block("p", content.get("body", "")),
        Block("p", content.get("call_to_action", "")),
    ]
    if hashtags:
        blocks.append(Block("p", hashtags))
    return blocks


def _document(content: dict[str, Any]) -> list[Block]:
    doc_type = content.get("doc_type", "")
    blocks = [Block("meta", DOC_TYPE_LABELS.get(doc_type, doc_type))]
    for section in content.get("sections", []):
        blocks.append(Block("h2", section.get("heading", "")))
        blocks.append(Block("p", section.get("body", "")))
    return blocks


_BUILDERS = {
    Artifact.Kind.ROADMAP: _roadmap,
    Artifact.Kind.BRAND: _brand,
    Artifact.Kind.CONTENT: _content,
    Artifact.Kind.DOCUMENT: _document,
}


# --- renderers ------------------------------------------------------------------------------


def to_markdown(artifact: Artifact) -> str:
    lines: list[str] = []
    for block in blocks_of(artifact):
        if not block.text:
            continue
        if block.style == "h1":
            lines += [f"# {block.text}", ""]
        elif block.style == "h2":
            lines += [f"## {block.text}", ""]
        elif block.style == "h3":
            lines += [f"### {block.text}", ""]
        elif block.style == "meta":
            lines += [f"*{block.text}*", ""]
        elif block.style == "li":
            if lines and lines[-1] == "" and len(lines) > 1 and lines[-2].startswith("- "):
                lines.pop()
            lines += [f"- {block.text}", ""]
        else:
            lines += [block.text, ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(artifact: Artifact) -> str:
    document = {
        "id": str(artifact.pk),
        "kind": artifact.kind,
        "title": artifact.title,
        "version": artifact.version,
        "created_at": artifact.created_at,
        "updated_at": artifact.updated_at,
        "content": artifact.content,
    }
    return json.dumps(document, cls=JSONEncoder, ensure_ascii=False, indent=2)


_PDF_STYLES = {
    # style: (font style, size, line height, space before)
    "h1": ("B", 20, 10, 0),
    "h2": ("B", 15, 8, 4),
    "h3": ("B", 12, 6, 2),
    "meta": ("I", 11, 6, 1),
    "p": ("", 11, 6, 2),
    "li": ("", 11, 6, 0),
}


def to_pdf(artifact: Artifact) -> bytes:
    """A PDF whose metadata title and first heading are the artifact's title."""
    blocks = blocks_of(artifact)
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = PDF_ENCODING
    pdf.set_title(blocks[0].text)
    pdf.set_creator("coaching")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    for block in blocks:
        if not block.text:
            continue
        style, size, height, before = _PDF_STYLES[block.style]
        pdf.set_font("Helvetica", style=style, size=size)
        if before:
            pdf.ln(before)
        text = _pdf_text(block.text)
        if block.style == "li":
            text = f"\u2022 {text}".encode(PDF_ENCODING, "replace").decode(PDF_ENCODING)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_text(text: str) -> str:
    return text.encode(PDF_ENCODING, "replace").decode(PDF_ENCODING)


def filename_for(artifact: Artifact, extension: str) -> str:
    """A safe file name: ``<kind>-<slug of the title>.<ext>`` (ASCII letters, digits, -)."""
    slug = slugify(artifact.title or "")[:80].strip("-")
    return f"{artifact.kind}-{slug}.{extension}" if slug else f"{artifact.kind}.{extension}"


# --- the export of one artifact (coaching/views/tools.py's ArtifactExportView) -------------


@dataclass(frozen=True)
class ExportFile:
    body: bytes | str
    content_type: str
    filename: str


def format_check(export_format: str) -> str:
    """``export_format`` if it is one of ``FORMATS``; else 400 ``invalid_choice`` naming
    ``format`` (checked before the artifact is looked up)."""
    if export_format not in FORMATS:
        raise DomainError(
            f"Must be one of: {', '.join(FORMATS)}.", code="invalid_choice", attr="format"
        )
    return export_format


def artifact_export(*, artifact: Artifact, export_format: str) -> ExportFile:
    """The file of a ready artifact in ``export_format`` (one of ``FORMATS``); 409
    ``not_ready`` for a pending or failed one."""
    if artifact.status != GenerationStatus.READY:
        raise Conflict(
            f"This artifact is {artifact.status}; it can be exported once it is ready.",
            code="not_ready",
        )
    content_type, extension = FORMATS[format_check(export_format)]
    if export_format == "pdf":
        body: bytes | str = to_pdf(artifact)
    elif export_format == "json":
        body = to_json(artifact)
    else:
        body = to_markdown(artifact)
    return ExportFile(body, content_type, filename_for(artifact, extension))
