"""Template filters of the follow-up pages."""

from __future__ import annotations

from django import template

from salesflow.activities.models import Activity
from salesflow.followup.ics import title_of

register = template.Library()


@register.filter
def activity_title(activity: Activity) -> str:
    """ "Meeting: Kick-off", without repeating the type when the subject starts with it."""
    return title_of(activity)
