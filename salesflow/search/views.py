from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:  # replaced by the search feature
    raise NotImplementedError
