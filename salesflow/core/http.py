"""The client's address behind trusted reverse proxies, one rule for every use of it.

Sign-in lockout (django-axes), the capture form's rate limit and the audit log all key on the
address a request came from. Behind a reverse proxy `REMOTE_ADDR` is the proxy's, so everyone
would share one lockout. `SALESFLOW_TRUSTED_PROXIES` says how many proxies stand in front of
Salesflow: each appends the address it saw to `X-Forwarded-For`, so the client is the entry
that many places from the right. Entries further left were written by the client and are never
trusted; without the setting (0) the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.SALESFLOW_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if len(forwarded) < proxies:
        return remote  # not through all the proxies: the nearest address is all we know
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
