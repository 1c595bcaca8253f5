"""Two-factor sign-in pages: the code step of signing in, set-up, the account page, admin reset.

Signing in is two steps. The password page (`SignInView`, django-axes' lockout in force) does
not sign in someone with an authenticator app: it keeps them in the session as "pending" and
sends them to the code page, which signs them in only after a right code. A wrong code counts as
a failed sign-in for django-axes (the same lockout as wrong passwords). See docs/two-factor.md.
"""

from __future__ import annotations

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesflow.users import twofactor
from salesflow.users.forms_twofactor import CodeForm, DisableForm, SetupForm
from salesflow.users.models import User
from salesflow.users.policy import require_admin
from salesflow.users.twofactor_middleware import CODE_DUE_SESSION_KEY

PENDING_SESSION_KEY = "twofactor_pending"
PENDING_SECONDS = 300  # the code must follow the password within five minutes
ACCOUNT = "users:two-factor"


class SignInView(LoginView):
    """Django's sign-in page; someone with an authenticator app goes on to the code page."""

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not twofactor.two_factor_enabled(user):
            return super().form_valid(form)
        self.request.session[PENDING_SESSION_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
        }
        return redirect(_with_next(reverse("users:two-factor-code"), self.get_redirect_url()))


def _with_next(url: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _safe_next(request: HttpRequest, fallback: str = "pages:dashboard") -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse(fallback)


def _pending_user(request: HttpRequest) -> tuple[User | None, str | None]:
    """Who owes a code: the user of a pending sign-in (and its backend), or the signed-in user
    of a session no device verified yet."""
    if request.user.is_authenticated:
        return (None, None) if request.user.is_verified() else (request.user, None)
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None, None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending.get("backend")


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code (used once)."""
    user, backend = _pending_user(request)
    if user is None or not twofactor.two_factor_enabled(user):
        if request.user.is_authenticated:
            return redirect(_safe_next(request))
        return redirect(_with_next(reverse("login"), request.GET.get("next", "")))
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            _sign_in_abandon(request)
            return get_lockout_response(request, None, credentials)
        if form.is_valid():
            device = twofactor.code_verify(user=user, code=form.cleaned_data["code"])
            if device is not None:
                if request.user.is_authenticated:
                    twofactor.session_verified(request, device)
                else:
                    user.otp_device = device  # django-otp marks the new session verified
                    login(request, user, backend=backend)
                request.session.pop(PENDING_SESSION_KEY, None)
                request.session.pop(CODE_DUE_SESSION_KEY, None)
                return redirect(_safe_next(request))
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error(
                "code",
                "That code is not right. Wait for the next code in your app (after a wrong "
                "code the next try must wait a few seconds) or use a recovery code.",
            )
    return render(
        request,
        "users/twofactor/code.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


def _sign_in_abandon(request: HttpRequest) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)
    if request.user.is_authenticated:
        from django.contrib.auth import logout

        logout(request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code or type the key, confirm with a code; the ten
    recovery codes are shown once, on the answer to the confirmation."""
    user = request.user
    if twofactor.two_factor_enabled(user):
        return redirect(ACCOUNT)
    device = twofactor.totp_device_start(user=user)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = twofactor.totp_device_confirm(
                user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error.message_dict["code"])
        else:
            twofactor.session_verified(request, confirmed)
            request.session.pop(CODE_DUE_SESSION_KEY, None)
            return _recovery_codes_page(request, codes, first=True)
    context = {
        "form": form,
        "qr_svg": twofactor.totp_qr_svg(device),
        "secret": twofactor.totp_secret(device),
        "required": twofactor.two_factor_required(user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "users/twofactor/setup.html", context)


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    context = {"codes": codes, "first": first, "continue_url": _safe_next(request, ACCOUNT)}
    response = render(request, "users/twofactor/recovery_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def two_factor_account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's two-factor: on or off, required or not, recovery codes left."""
    user = request.user
    device = twofactor.totp_device_for(user)
    context = {
        "device": device,
        "required": twofactor.two_factor_required(user),
        "codes_left": twofactor.recovery_codes_left(user) if device else 0,
        "disable_form": DisableForm(),
    }
    return render(request, "users/twofactor/account.html", context)


@never_cache
@login_required
@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes; the old ones stop working."""
    try:
        codes = twofactor.recovery_codes_create(user=request.user, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(ACCOUNT)
    return _recovery_codes_page(request, codes, first=False)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor off with a current code or the password (not for a role that must use
    it). A wrong answer counts as a failed sign-in, as on the code page."""
    user = request.user
    form = DisableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            return get_lockout_response(request, None, credentials)
        try:
            twofactor.two_factor_disable(user=user, secret=form.cleaned_data["secret"])
        except ValidationError as error:
            if any(e.code == twofactor.WRONG_SECRET for e in error.error_dict["secret"]):
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("secret", error.message_dict["secret"])
        else:
            messages.success(request, "Two-factor sign-in is off.")
            return redirect(ACCOUNT)
    context = {
        "form": form,
        "required": twofactor.two_factor_required(user),
        "enabled": twofactor.two_factor_enabled(user),
    }
    status = 422 if form.errors else 200
    return render(request, "users/twofactor/disable.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def two_factor_users(request: HttpRequest) -> HttpResponse:
    """Admins: who has two-factor on, and a reset for a lost phone."""
    require_admin(request.user)
    users = (
        User.objects.filter(is_active=True)
        .annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .order_by("username")
    )
    rows = [(u, twofactor.two_factor_required(u)) for u in users]
    context = {"rows": rows, "tab": "two-factor", "setting": twofactor.required_roles()}
    return render(request, "users/twofactor/users.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Admins: remove another user's authenticator app and recovery codes (audited)."""
    require_admin(request.user)
    target = get_object_or_404(User, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            twofactor.two_factor_reset(user=target, acting_user=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, f"Two-factor sign-in of {target} was reset.")
            return redirect("users:two-factor-users")
    context = {
        "target": target,
        "enabled": twofactor.two_factor_enabled(target),
        "required": twofactor.two_factor_required(target),
        "error": error,
        "tab": "two-factor",
    }
    return render(request, "users/twofactor/reset.html", context, status=422 if error else 200)
