"""Send whoever still owes a two-factor code, or must set two-factor up, to that page first.

Runs after django-otp's `OTPMiddleware`, which tells whether a device verified the session. A
session is held back when its user's role must use two-factor (`SALESFLOW_2FA_REQUIRED`) and no
device verified it, or when the user signed in some other way than the code page (Django's admin
sign-in) although they have an authenticator app. The API is not concerned: it takes bearer
tokens, never a session (docs/two-factor.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from salesflow.users.twofactor import two_factor_enabled, two_factor_required

# Set at sign-in when the user has an authenticator app but no code was asked for.
CODE_DUE_SESSION_KEY = "twofactor_code_due"


@receiver(user_logged_in, dispatch_uid="twofactor_code_due")
def _code_due_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None or getattr(user, "otp_device", None) is not None:
        return
    if two_factor_enabled(user):
        session[CODE_DUE_SESSION_KEY] = True


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = self.held_back_to(request)
        if target is not None:
            url = f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
            # django-htmx's middleware runs after this one: read the headers themselves.
            if request.headers.get("HX-Request") == "true":
                # A poll from the code or set-up page itself (the reminders bell) changes
                # nothing; from any other page htmx goes to the page that holds back.
                current = urlsplit(request.headers.get("HX-Current-URL", "")).path
                if current in _open_paths():
                    return HttpResponse(status=204)
                return HttpResponseClientRedirect(url)
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def held_back_to(request: HttpRequest) -> str | None:
        """The URL name of the page this request must wait for, or None to let it through."""
        if request.path_info.startswith("/api/"):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.path_info in _open_paths():
            return None
        required = two_factor_required(user)
        if not (required or request.session.get(CODE_DUE_SESSION_KEY)):
            return None
        if two_factor_enabled(user):
            return "users:two-factor-code"
        if required:
            return "users:two-factor-setup"
        request.session.pop(CODE_DUE_SESSION_KEY, None)  # reset by an admin meanwhile
        return None


def _open_paths() -> set[str]:
    """The pages a held-back session may open: the code, the set-up and signing out."""
    return {
        reverse("users:two-factor-code"),
        reverse("users:two-factor-setup"),
        reverse("logout"),
    }
