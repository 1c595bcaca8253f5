"""Real two-factor codes for tests: what an authenticator app would show at a given time."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesflow.users.models import User
from salesflow.users.twofactor import totp_device_confirm, totp_device_start


def code_for(device: TOTPDevice, *, at: float | None = None) -> str:
    """The 6-digit code the device's key gives now (or at `at`), as an app computes it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def device_confirmed(user: User) -> TOTPDevice:
    """An authenticator app set up and confirmed the way the set-up page does it."""
    device = totp_device_start(user=user)
    confirmed, _codes = totp_device_confirm(user=user, code=code_for(device))
    return confirmed
