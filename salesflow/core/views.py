"""Small helpers every app's pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from salesflow.core.errors import DomainError
from salesflow.core.forms import VersionedServiceForm
from salesflow.core.normalize import phone_doubt
from salesflow.core.settings_views import settings_form

PER_PAGE = 25


def ordering_with_pk(queryset: QuerySet) -> list[Any]:
    """The queryset's order (its own, else its model's), ending with the primary key in the
    direction of the last field, so rows that tie keep one order from page to page."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering)
    names = [field.lstrip("-") for field in order if isinstance(field, str)]
    if "pk" not in names and "id" not in names:
        last = order[-1] if order else ""
        descending = (
            last.startswith("-") if isinstance(last, str) else getattr(last, "descending", False)
        )
        order.append("-pk" if descending else "pk")
    return order


class DeferredJoinPaginator(Paginator):
    """Reads a page after the first as `pk IN (SELECT pk ... ORDER BY ... LIMIT n OFFSET m)`:
    the inner query names only the primary key, so the database finds the page's ids from an
    index (it skips the OFFSET rows without reading them, their joined rows or their columns)
    and reads the page's rows, with their joins and annotations, for those ids only. One query,
    like the plain paginator's; the same rows in the same order (the order ends with the
    primary key). The first page is the plain query (nothing to skip)."""

    def __init__(self, object_list: QuerySet, per_page: int, **kwargs: Any) -> None:
        super().__init__(object_list.order_by(*ordering_with_pk(object_list)), per_page, **kwargs)

    def page(self, number: Any) -> Page:
        page = super().page(number)
        if page.number > 1:
            # The plain page's slice, asked for its ids only, as the subquery. The first page
            # has nothing to skip: the plain query walks the same index and stops after its
            # rows (on PostgreSQL a few ms faster than the nested form).
            page.object_list = self.object_list.filter(pk__in=page.object_list.values("pk"))
        return page


def page_of(request: HttpRequest, queryset: QuerySet, *, deferred_join: bool = False) -> Page:
    """The page of `queryset` the request asks for (`?page=`), PER_PAGE rows. `deferred_join`
    (the big lists: deals, leads, contacts, accounts) reads it by `DeferredJoinPaginator`."""
    paginator = DeferredJoinPaginator if deferred_join else Paginator
    return paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only its `results` partial for an htmx search or page change."""
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` field of a POST if it points into this site, else the default."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def error_text(error: ValidationError | DomainError) -> str:
    """A service's refusal as one sentence for a message, with what is missing if it says."""
    if not isinstance(error, DomainError):
        return " ".join(error.messages)
    return error.full_text()


def _with_phone_doubt(message: str, record: Any) -> str:
    """The saved message, with a note when the saved phone number may not be valid."""
    doubt = phone_doubt(getattr(record, "phone", "") or "")
    return f"{message} Note: {doubt}" if doubt else message


def record_create(
    request: HttpRequest,
    *,
    form: Form,
    create: Callable[..., Model],
    saved: str,
    title: str,
    cancel_url: str,
) -> HttpResponse:
    """The "new record" page: a valid form goes to the `create` service (its refusal shows on
    the form), then to the new record's page with the `saved` message (`{record}` names it)."""
    return settings_form(
        request,
        form=form,
        save=lambda: create(acting_user=request.user, **form.values()),
        success_message=lambda record: _with_phone_doubt(saved.format(record=record), record),
        redirect_to=lambda record: record.get_absolute_url(),
        context={"title": title, "cancel_url": cancel_url},
    )


def record_edit(
    request: HttpRequest,
    *,
    record: Model,
    form: VersionedServiceForm,
    update: Callable[..., Any],
    saved: str,
) -> HttpResponse:
    """The edit page of a versioned record, the same for every kind of record.

    A valid form hands the changed fields and the version the user read to the `update`
    service. A concurrent change (`ConflictError`) answers 409 with the user's and the saved
    value of each field that differs, to choose from (`salesflow.core.conflicts`); any other
    refusal shows on the form; success goes back to the record's page with the `saved`
    message (`{record}` names the saved record).
    """
    return settings_form(
        request,
        form=form,
        save=lambda: update(
            record,
            acting_user=request.user,
            expected_version=form.expected_version(),
            **form.changes(),
        ),
        success_message=lambda saved_record: _with_phone_doubt(
            saved.format(record=record), saved_record or record
        ),
        redirect_to=lambda _: record.get_absolute_url(),
        context=lambda: _edit_context(request, record),
    )


def _edit_context(request: HttpRequest, record: Model) -> dict[str, Any]:
    """The edit page names the record as saved: a refused update service has already written
    the typed values onto the in-memory record before its checks refused them (and rolled the
    database back), so after a POST the record is read again."""
    if request.method == "POST":
        record.refresh_from_db()
    return {"title": f"Edit {record}", "cancel_url": record.get_absolute_url()}
