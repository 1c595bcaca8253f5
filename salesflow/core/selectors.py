from __future__ import annotations

from salesflow.core.models import SiteSettings


def site_settings() -> SiteSettings:
    """The organisation's settings row, created with defaults on first use."""
    settings_row, _ = SiteSettings.objects.get_or_create(pk=1)
    return settings_row
