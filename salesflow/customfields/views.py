"""The custom fields settings page (admins only): define, change, archive, change type."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.core.settings_views import settings_form
from salesflow.core.views import error_text
from salesflow.customfields import services
from salesflow.customfields.forms import CustomFieldForm, TypeChangeForm
from salesflow.customfields.models import CustomField, RecordKind
from salesflow.customfields.selectors import custom_fields_all
from salesflow.users.policy import require_admin

LIST = "customfield-settings:field-list"


@login_required
@require_http_methods(["GET"])
def field_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    fields = list(custom_fields_all())
    kinds = [(label, [f for f in fields if f.kind == value]) for value, label in RecordKind.choices]
    return render(request, "customfields/field_list.html", {"kinds": kinds, "tab": "fields"})


@login_required
@require_http_methods(["GET", "POST"])
def field_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    initial = {"kind": request.GET.get("kind", RecordKind.LEAD)}
    form = CustomFieldForm(request.POST or None, user=request.user, initial=initial)
    return settings_form(
        request,
        form=form,
        save=lambda: services.custom_field_create(
            acting_user=request.user, **form.service_data(changed_only=False)
        ),
        success_message=lambda field: f"Field {field.label} added to {field.get_kind_display()}s.",
        redirect_to=LIST,
        context={"title": "New custom field", "cancel_url": reverse(LIST)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    field = get_object_or_404(CustomField, pk=pk)
    form = CustomFieldForm(request.POST or None, user=request.user, record=field)
    return settings_form(
        request,
        form=form,
        save=lambda: services.custom_field_update(
            field, acting_user=request.user, **form.service_data(changed_only=True)
        ),
        success_message=lambda saved: f"Field {saved.label} saved.",
        redirect_to=LIST,
        context=lambda: {
            "title": f"Edit {field}",
            "cancel_url": reverse(LIST),
            "intro": f"Key {field.key}, {field.get_type_display().lower()}. Renaming the label "
            "or a choice keeps every stored value.",
        },
    )


@login_required
@require_http_methods(["POST"])
def field_archive(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    field = get_object_or_404(CustomField, pk=pk)
    if request.POST.get("restore"):
        services.custom_field_restore(field, acting_user=request.user)
        messages.success(request, f"Field {field.label} restored with its values.")
    else:
        services.custom_field_archive(field, acting_user=request.user)
        messages.success(request, f"Field {field.label} archived; records keep their values.")
    return redirect(LIST)


@login_required
@require_http_methods(["GET", "POST"])
def field_type_change(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    field = get_object_or_404(CustomField, pk=pk)
    form = TypeChangeForm(request.POST or None, initial={"to_type": field.type})
    if form.is_valid():
        try:
            count = services.custom_field_type_change(
                field, acting_user=request.user, to_type=form.cleaned_data["to_type"]
            )
        except ValidationError as error:
            form.add_error("to_type", error_text(error))
        else:
            messages.success(request, f"{field.label} is now {field.get_type_display().lower()}; "
                             f"{count} value{'s' if count != 1 else ''} converted.")  # fmt: skip
            return redirect(LIST)
    context = {
        "form": form,
        "title": f"Change the type of {field}",
        "cancel_url": reverse(LIST),
        "intro": "Every stored value is converted; if one would not convert, nothing changes.",
    }
    return render(request, "form_page.html", context)
