from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from salesflow.customers.selectors import contact_get_for_user
from salesflow.leads.selectors import lead_get_for_user
from salesflow.privacy.services import person_erase, person_export
from salesflow.users.policy import require_admin

SUBJECTS = {"contact": contact_get_for_user, "lead": lead_get_for_user}


def _subject(request: HttpRequest, kind: str, pk: int):  # type: ignore[no-untyped-def]
    require_admin(request.user)
    if kind not in SUBJECTS:
        raise Http404(f"No person records of kind {kind!r}: use contact or lead.")
    return SUBJECTS[kind](request.user, pk)


@login_required
@require_GET
def person_export_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The readable page of everything held about a person, or the JSON download."""
    subject = _subject(request, kind, pk)
    data = person_export(subject, acting_user=request.user, request=request)
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="privacy-{kind}-{pk}.json"'
        return response
    return render(request, "privacy/export.html", {"subject": subject, "kind": kind, "data": data})


@login_required
@require_POST
def person_erase_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    subject = _subject(request, kind, pk)
    if request.POST.get("confirm") != "erase":
        messages.error(request, 'Type "erase" to confirm the erasure.')
        return redirect("privacy:export", kind=kind, pk=pk)
    counts = person_erase(subject, acting_user=request.user, request=request)
    messages.success(
        request,
        f"Erased: {counts['contacts']} contact(s), {counts['leads']} lead(s), "
        f"{counts['activities']} activity text(s), {counts['history']} history entr(ies), "
        f"{counts['elsewhere']} other record(s) and file(s).",
    )
    return redirect(subject.get_absolute_url())
