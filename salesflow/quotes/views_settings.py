"""Quote settings (admins only): the product catalogue reps quote from, and how quotes work
(approval threshold, validity, the company header printed on proposals)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.core.settings_views import settings_form
from salesflow.core.views import render_list
from salesflow.quotes import services
from salesflow.quotes.forms_settings import ProductForm, QuoteSettingsForm
from salesflow.quotes.models import Product
from salesflow.quotes.selectors import quote_settings
from salesflow.users.policy import require_admin

SETTINGS = "quote-settings"


@login_required
@require_http_methods(["GET"])
def product_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    products = Product.objects.order_by("-is_active", "name", "sku")
    context = {"products": products, "settings_row": quote_settings(), "tab": "products"}
    return render_list(request, "quotes/settings/products.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = ProductForm(request.POST or None, user=request.user)
    return settings_form(
        request,
        form=form,
        save=lambda: services.product_create(acting_user=request.user, **form.values()),
        success_message=lambda product: f"Product {product} added to the catalogue.",
        redirect_to=f"{SETTINGS}:product-list",
        context={"title": "New product", "cancel_url": reverse(f"{SETTINGS}:product-list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    product = get_object_or_404(Product, pk=pk)
    form = ProductForm(request.POST or None, user=request.user, record=product)
    return settings_form(
        request,
        form=form,
        save=lambda: services.product_update(
            product,
            acting_user=request.user,
            expected_version=form.expected_version(),
            **form.changes(),
        ),
        success_message=lambda _: f"Product {product} saved.",
        redirect_to=f"{SETTINGS}:product-list",
        context=lambda: {
            "title": f"Edit {product}",
            "cancel_url": reverse(f"{SETTINGS}:product-list"),
            "intro": "Quotes already written keep the price and tax they were written with.",
        },
    )


@login_required
@require_http_methods(["POST"])
def product_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a product: no longer offered on new quotes; old quotes keep their lines."""
    require_admin(request.user)
    product = get_object_or_404(Product, pk=pk)
    services.product_archive(product, acting_user=request.user)
    messages.success(request, f"Product {product} deactivated.")
    return redirect(f"{SETTINGS}:product-list")


@login_required
@require_http_methods(["POST"])
def product_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer a retired product again."""
    require_admin(request.user)
    product = get_object_or_404(Product, pk=pk)
    services.product_restore(product, acting_user=request.user)
    messages.success(request, f"Product {product} is offered again.")
    return redirect(f"{SETTINGS}:product-list")


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = QuoteSettingsForm(request.POST or None, user=request.user, record=quote_settings())
    return settings_form(
        request,
        form=form,
        save=lambda: services.quote_settings_update(acting_user=request.user, **form.changes()),
        success_message="Quote settings saved.",
        redirect_to=f"{SETTINGS}:settings",
        template="quotes/settings/settings.html",
        context={"tab": "quotes"},
    )
