"""The forms of two-factor sign-in: a code, a set-up confirmation, turning it off."""

from __future__ import annotations

from django import forms

CODE_HELP = "The 6-digit code your authenticator app shows now, or one of your recovery codes."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text=CODE_HELP,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class SetupForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=32,
        help_text="The 6-digit code the app shows for Salesflow after adding the key.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class DisableForm(forms.Form):
    secret = forms.CharField(
        label="Current code or your password",
        max_length=256,
        strip=False,
        help_text="Prove it is you: a code from your app, a recovery code or your password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
