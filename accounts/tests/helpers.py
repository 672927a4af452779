import re

from django.core import mail


def key_from_last_email(pattern: str = r"key=([\w:\-]+)") -> str:
    """The key in the most recent email's text body (verification or password reset)."""
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def error(code: str, attr: str | None, detail: str | None = None) -> dict:
    """One entry of the error envelope; ``detail`` is compared only when given."""
    entry = {"code": code, "attr": attr}
    if detail is not None:
        entry["detail"] = detail
    return entry


def errors_of(response) -> list[dict]:
    return [{"code": e["code"], "attr": e["attr"]} for e in response.json()["errors"]]
