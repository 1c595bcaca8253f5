"""Permission rules of two-factor sign-in (see tests/permission_rules/__init__.py).

Everyone has their own two-factor pages (they act on the signed-in user only); the overview of
every user and the reset are for admins. The code page answers a signed-in, verified user with a
redirect onward, and a signed-out visitor with the sign-in page.
"""

from __future__ import annotations

from typing import Any

from tests.permission_rules.rule import Rule


def _two_factor_user(name: str, owner: Any, visibility: str) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import UserFactory

    user = UserFactory(username="zebrafinch-2fa", first_name=name, team=owner.teams.first())
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


RECORDS: dict[str, Any] = {"two_factor_user": _two_factor_user}
PAGE_RULES: dict[str, Rule] = {
    "users:two-factor": Rule("signed_in"),
    "users:two-factor-code": Rule("signed_in"),
    "users:two-factor-setup": Rule("signed_in"),
    "users:two-factor-disable": Rule("signed_in"),
    "users:two-factor-recovery-codes": Rule("signed_in", method="POST"),
    "users:two-factor-users": Rule("admin"),
    "users:two-factor-reset": Rule("admin", "two_factor_user", method="POST"),
}
