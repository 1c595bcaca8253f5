"""Two-factor sign-in: an authenticator app (TOTP) and one-time recovery codes (docs/two-factor.md).

Devices are django-otp's: one confirmed `TOTPDevice` named "Authenticator app" and one
`StaticDevice` named "Recovery codes" holding the unused codes. Which roles must use two-factor
is `settings.SALESFLOW_2FA_REQUIRED`. Every change (set up, turned off, reset by an admin, new
recovery codes) is written to the audit log as a change of the user.
"""

from __future__ import annotations

import base64
from typing import Any

import segno
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesflow.users.models import Role, User

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# The error code of a wrong code or password (counted as a failed sign-in).
WRONG_SECRET = "wrong_secret"  # noqa: S105
REQUIRED_ALL = "all"
REQUIRED_NONE = "none"
ROLE_NAMES = {role.value for role in Role}


def required_roles() -> set[str]:
    """The roles `SALESFLOW_2FA_REQUIRED` names: "admin" (default), "all", "none" or a list."""
    value = str(getattr(settings, "SALESFLOW_2FA_REQUIRED", Role.ADMIN)).strip().lower()
    if value == REQUIRED_NONE:
        return set()
    if value == REQUIRED_ALL:
        return set(ROLE_NAMES)
    return {name.strip() for name in value.split(",") if name.strip()} & ROLE_NAMES


def two_factor_required(user: Any) -> bool:
    """Must this user sign in with a second factor? A superuser counts as an admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = required_roles()
    return user.role in roles or (user.is_superuser and Role.ADMIN in roles)


def totp_device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_enabled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose key the set-up page shows; the same one until confirmed."""
    if two_factor_enabled(user):
        raise ValidationError({"code": "Two-factor sign-in is already on."})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (made here, nothing leaves the server)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=4, dark="#111827", light="#ffffff", title="Two-factor set-up code")


def _normalise(code: str) -> str:
    return "".join(str(code or "").split()).lower()


def _audit(*, user: User, acting_user: Any, change: tuple[str, str], note: str) -> None:
    LogEntry.objects.log_create(
        user,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={"two_factor": list(change)},
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        additional_data={"two_factor": note},
    )


def recovery_codes_create(*, user: User, acting_user: Any) -> list[str]:
    """Replace the user's recovery codes with ten new ones, answered once (to be shown once)."""
    if not two_factor_enabled(user):
        raise ValidationError({"code": "Turn two-factor sign-in on first."})
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = []
        while len(codes) < RECOVERY_CODE_COUNT:
            code = StaticToken.random_token()
            if code not in codes:
                codes.append(code)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        _audit(
            user=user,
            acting_user=acting_user,
            change=("on", "on"),
            note="new recovery codes",
        )
    return codes


def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the set-up with a code from the app: two-factor is on, ten recovery codes made."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError({"code": "Start the set-up again: there is no key waiting."})
        if not device.verify_token(_normalise(code)):
            raise ValidationError(
                {"code": "That code is not right: check the app shows Salesflow and try again."}
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        _audit(user=user, acting_user=user, change=("off", "on"), note="set up")
        codes = recovery_codes_create(user=user, acting_user=user)
    return device, codes


def code_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts this code: the app's current code, or an unused recovery code
    (used up by this call). None for a wrong code, or while django-otp throttles the device
    after wrong codes."""
    code = _normalise(code)
    if not code or len(code) > 16:
        return None
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, TOTPDevice) and not code.isdigit():
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def _devices_delete(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def two_factor_disable(*, user: User, secret: str) -> None:
    """The user turns two-factor off, proving it is them with a current code or their password.
    Refused for a role that must use it."""
    if two_factor_required(user):
        raise ValidationError({"secret": "Your role must use two-factor sign-in."})
    if not two_factor_enabled(user):
        raise ValidationError({"secret": "Two-factor sign-in is already off."})
    if code_verify(user=user, code=secret) is None and not user.check_password(secret):
        raise ValidationError(
            {
                "secret": ValidationError(
                    "That is neither a current code nor your password.", code=WRONG_SECRET
                )
            }
        )
    with transaction.atomic():
        _devices_delete(user)
        _audit(user=user, acting_user=user, change=("on", "off"), note="turned off")


def two_factor_reset(*, user: User, acting_user: Any) -> None:
    """An admin removes another user's app and recovery codes (a lost phone): their next
    sign-in asks for a password only, or for a new set-up if their role must use two-factor."""
    from salesflow.users.policy import require_admin

    require_admin(acting_user)
    if user.pk == acting_user.pk:
        raise ValidationError({"user": "Reset your own two-factor from your account page."})
    with transaction.atomic():
        _devices_delete(user)
        _audit(user=user, acting_user=acting_user, change=("on", "off"), note="reset by an admin")


def session_verified(request: Any, device: Device) -> None:
    """Mark the signed-in session as verified by this device (django-otp's `login`)."""
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    request.user.otp_device = device


def session_verify_for_tests(client: Any, user: User) -> None:
    """For tests (root conftest.py): mark a test client's signed-in session as verified by the
    user's authenticator app, creating one when their role must use two-factor."""
    device = totp_device_for(user)
    if device is None:
        if not two_factor_required(user):
            return
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
