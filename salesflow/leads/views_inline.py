"""Inline edit of a lead's owner and status on the lead list and the lead page, through
`lead_update` with the lead's version (qualifying and disqualifying stay with BANT, converting
with the conversion: the service refuses them, and the refusal shows next to the field).
See `salesflow.core.inline` and docs/editing.md."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from salesflow.core.forms import VersionedServiceForm
from salesflow.core.inline import InlineValue, inline_edit
from salesflow.leads import services
from salesflow.leads.models import Lead
from salesflow.leads.selectors import lead_get_for_user
from salesflow.users import policy
from salesflow.users.forms import OwnerFieldMixin

LABELS = {"owner": "Owner", "status": "Status"}


class LeadOwnerInlineForm(OwnerFieldMixin, VersionedServiceForm):
    class Meta:
        model = Lead
        fields = ["owner"]


class LeadStatusInlineForm(VersionedServiceForm):
    class Meta:
        model = Lead
        fields = ["status"]


FORMS: dict[str, type[VersionedServiceForm]] = {
    "owner": LeadOwnerInlineForm,
    "status": LeadStatusInlineForm,
}


def lead_inline_value(user: Any, lead: Lead, field: str) -> InlineValue:
    """A lead's owner or status as the lead list and the lead page show it."""
    if field == "owner":
        html = text = str(lead.owner or "Unassigned")
    else:
        text = lead.get_status_display()
        html = format_html('<span class="badge badge--status-{}">{}</span>', lead.status, text)
    return InlineValue(
        id=f"inline-lead-{lead.pk}-{field}",
        url=reverse(f"leads:lead-inline-{field}", args=[lead.pk]),
        label=LABELS[field],
        html=html,
        text=text,
        editable=policy.can_write(user, lead)
        and (field != "owner" or lead.owner_id is None or policy.can_hand_over(user, lead)),
        field=field,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_inline(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    lead = lead_get_for_user(request.user, pk, write=True)
    form = FORMS[field](
        request.POST or None,
        user=request.user,
        record=lead,
        auto_id=f"id_inline_lead_{lead.pk}_%s",  # unique beside a list's filter fields
    )
    return inline_edit(
        request,
        record=lead,
        form=form,
        save=lambda: services.lead_update(
            lead,
            acting_user=request.user,
            expected_version=form.expected_version(),
            **form.changes(),
        ),
        value=lambda: lead_inline_value(request.user, lead_get_for_user(request.user, pk), field),
    )


# One URL per field (`leads:lead-inline-owner`, `leads:lead-inline-status`), in `leads.urls`.
urlpatterns = [
    path(f"<int:pk>/inline/{field}/", lead_inline, {"field": field}, name=f"lead-inline-{field}")
    for field in FORMS
]
