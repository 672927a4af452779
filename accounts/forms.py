"""The forms of the account pages (``accounts.pages``): shape and validation only, with the
same bounds as the API's serializers, so a page accepts nothing its API twin refuses."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

# Keys arrive in the URL; the API takes up to this many characters (serializers.KeySerializer).
KEY_MAX_LENGTH = 512


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewPasswordForm(forms.Form):
    """A new password, typed twice, checked by Django's password validators against the
    member it is for (``AUTH_PASSWORD_VALIDATORS``)."""

    new_password = forms.CharField(
        label="New password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm_password = forms.CharField(
        label="New password again",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["new_password"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.user)
        return password

    def clean(self) -> dict:
        cleaned = super().clean()
        password, confirmation = cleaned.get("new_password"), cleaned.get("confirm_password")
        if password and confirmation and password != confirmation:
            self.add_error("confirm_password", "The two passwords differ.")
        return cleaned
