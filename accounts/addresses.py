"""Email addresses as accounts compares and stores them. Registration, sign-in, the lockout
key, the admin's forms and operator commands all normalise through :func:`normalise_email`,
so one member's address is one key everywhere."""


def normalise_email(email: str) -> str:
    """``email`` without surrounding spaces, lower-cased (as it is stored)."""
    return email.strip().lower()
