from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salesflow.audit.models import AuditAction
from salesflow.audit.selectors import audit_events_search, log_entries_search
from salesflow.users.policy import require_admin


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    q = request.GET.get("q", "").strip()
    tab = "events" if request.GET.get("tab") == "events" else "changes"
    if tab == "events":
        rows = audit_events_search(q=q, action=request.GET.get("action", ""))
    else:
        rows = log_entries_search(q=q, model=request.GET.get("model", ""))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "tab": tab, "actions": AuditAction.choices}
    template = "audit/log.html#results" if request.htmx else "audit/log.html"
    return render(request, template, context)
