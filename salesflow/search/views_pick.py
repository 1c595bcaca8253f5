"""`search:pick`: the JSON behind the search-as-you-type record pickers (see docs/search.md)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from salesflow.search.pickers import KINDS, PickError, pick_params, records_for_picker


@login_required
@require_GET
def pick(request: HttpRequest, kind: str) -> HttpResponse:
    """Up to 20 `{value, text, hint}` of the records of `kind` the user may read.

    `?q=` what was typed; filters per kind (`account=`, `deal=`, `exclude=`); `limit=` 1-20.
    A parameter that cannot be used answers 422 naming it; an unknown kind 404.
    """
    if kind not in KINDS:
        raise Http404("No such picker.")
    try:
        params = pick_params(kind, request.GET)
        items = records_for_picker(request.user, kind, **params)
    except PickError as error:
        return JsonResponse({"errors": {error.field: error.message}}, status=422)
    response = JsonResponse({"items": items})
    response["Cache-Control"] = "private, no-store"
    return response
