"""The product catalogue (admins change it) and the products on a deal (its lines).

A deal's lines follow the deal's access: whoever may change the deal may change its lines.
Every line change bumps the deal's `version`; send the version you read to be refused (409)
when someone changed the deal since. When the deal's `amount_from_lines` is on, the deal's
amount is kept equal to the lines' total.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.auth import ADMIN_ONLY
from salesflow.api.lookups import links_resolve
from salesflow.api.schemas import (
    AMOUNT,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PageQuery,
    VersionedPatch,
    page,
)
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.quotes.models import Product
from salesflow.quotes.selectors import (
    deal_line_get_for_user,
    deal_lines_of,
    deal_lines_total,
    products_active,
)
from salesflow.quotes.services import (
    deal_amount_follow_lines,
    deal_line_add,
    deal_line_remove,
    deal_line_update,
    product_archive,
    product_create,
    product_restore,
    product_update,
)
from salesflow.users.policy import require_admin

router = Router(tags=["products"])

PERCENT: dict[str, Any] = {"ge": 0, "le": 100, "max_digits": 5, "decimal_places": 2}
QUANTITY: dict[str, Any] = {"gt": 0, "max_digits": 12, "decimal_places": 2}
ACTIVE_PRODUCTS = {"product_id": lambda user: products_active()}


class ProductOut(Schema):
    id: int
    name: str
    sku: str = Field(description="The product's code; may be empty.")
    category: str
    description: str
    unit_price: Decimal = Field(description="The list price.")
    currency: str
    tax_rate: Decimal
    is_active: bool
    version: int


class ProductList(Schema):
    items: list[ProductOut]
    count: int


class ProductQuery(PageQuery):
    q: str | None = Field(None, description="Part of the name, code or category.")
    category: str | None = Field(None, description="Exactly this category (any case).")
    include_retired: bool = Field(False, description="Admins: retired products too.")


class ProductIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    sku: str = Field("", max_length=64, description="A code, unique when given.")
    category: str = Field("", max_length=100)
    description: str = ""
    unit_price: Decimal = Field(**AMOUNT, description="The list price.")
    currency: str = Field(None, min_length=3, max_length=3, description="Default: the site's.")
    tax_rate: Decimal = Field(Decimal(0), **PERCENT)


class ProductPatch(VersionedPatch):
    name: str = Field(None, min_length=1, max_length=200)
    sku: str = Field(None, max_length=64)
    category: str = Field(None, max_length=100)
    description: str = Field(None)
    unit_price: Decimal = Field(None, **AMOUNT)
    currency: str = Field(None, min_length=3, max_length=3)
    tax_rate: Decimal = Field(None, **PERCENT)


class VersionIn(InputSchema):
    version: int | None = Field(None, description="The version you read.")


@router.get("/products", response={200: ProductList, **READ_ERRORS})
def product_list(request: HttpRequest, query: Query[ProductQuery]) -> dict[str, Any]:
    """The catalogue deal lines and quote lines are picked from (active products; admins may
    ask for retired ones too)."""
    products = products_active()
    if query.include_retired:
        require_admin(request.auth)
        products = Product.objects.all()
    if query.q:
        products = products.filter(
            Q(name__icontains=query.q) | Q(sku__icontains=query.q) | Q(category__icontains=query.q)
        )
    if query.category:
        products = products.filter(category__iexact=query.category)
    return page(products.order_by("name", "sku", "pk"), query)


@router.get("/products/{product_id}", response={200: ProductOut, **READ_ERRORS})
def product_detail(request: HttpRequest, product_id: int) -> Product:
    return get_object_or_404(Product, pk=product_id)


@router.post("/products", response={201: ProductOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def product_add(request: HttpRequest, payload: ProductIn) -> Status[Any]:
    """Admins."""
    data = payload.model_dump(exclude_unset=True)
    if data.get("currency") is None:
        data.pop("currency", None)
    return Status(201, product_create(acting_user=request.auth, **data))


@router.patch("/products/{product_id}", response={200: ProductOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def product_change(request: HttpRequest, product_id: int, payload: ProductPatch) -> Product:
    """Admins. Deals and quotes keep the prices they were written with."""
    require_admin(request.auth)
    product = get_object_or_404(Product, pk=product_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    return product_update(product, acting_user=request.auth, expected_version=version, **data)


@router.post(
    "/products/{product_id}/archive", response={200: ProductOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def product_retire(request: HttpRequest, product_id: int, payload: VersionIn | None = None) -> Any:
    """Admins: no longer offered on new deals and quotes; lines that have it keep it."""
    require_admin(request.auth)
    product = get_object_or_404(Product, pk=product_id)
    version = payload.version if payload else None
    return product_archive(product, acting_user=request.auth, expected_version=version)


@router.post(
    "/products/{product_id}/restore", response={200: ProductOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def product_offer_again(
    request: HttpRequest, product_id: int, payload: VersionIn | None = None
) -> Any:
    require_admin(request.auth)
    product = get_object_or_404(Product, pk=product_id)
    version = payload.version if payload else None
    return product_restore(product, acting_user=request.auth, expected_version=version)


# Products on a deal ------------------------------------------------------------------------------


class DealLineOut(Schema):
    id: int
    product_id: int
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    total: Decimal
    position: int

    @staticmethod
    def resolve_product_name(line: Any) -> str:
        return line.product.name


class DealLines(Schema):
    deal_id: int
    currency: str
    amount: Decimal | None
    amount_from_lines: bool
    version: int = Field(description="The deal's version, for the next change.")
    total: Decimal | None = Field(description="The lines' total; null without lines.")
    items: list[DealLineOut]


class DealLineIn(InputSchema):
    product_id: int
    quantity: Decimal = Field(Decimal(1), **QUANTITY)
    unit_price: Decimal = Field(
        None, **AMOUNT, description="In the deal's currency; default: the product's list price."
    )
    discount_percent: Decimal = Field(Decimal(0), **PERCENT)
    version: int | None = Field(None, description="The deal's version you read.")


class DealLinePatch(VersionedPatch):
    product_id: int = Field(None)
    quantity: Decimal = Field(None, **QUANTITY)
    unit_price: Decimal = Field(None, **AMOUNT)
    discount_percent: Decimal = Field(None, **PERCENT)


class AmountFollowIn(InputSchema):
    follow: bool
    version: int | None = None


def _lines_of(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    deal = deal_get_for_user(request.auth, deal_id)
    return {
        "deal_id": deal.pk,
        "currency": deal.currency,
        "amount": deal.amount,
        "amount_from_lines": deal.amount_from_lines,
        "version": deal.version,
        "total": deal_lines_total(deal),
        "items": list(deal_lines_of(deal)),
    }


@router.get("/deals/{deal_id}/lines", response={200: DealLines, **READ_ERRORS})
def deal_lines(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    """The products on the deal, their total, and whether the deal amount follows it."""
    return _lines_of(request, deal_id)


@router.post("/deals/{deal_id}/lines", response={201: DealLines, **WRITE_ERRORS})
def deal_line_create(request: HttpRequest, deal_id: int, payload: DealLineIn) -> Status[Any]:
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=ACTIVE_PRODUCTS
    )
    version = data.pop("version", None)
    deal_line_add(deal, acting_user=request.auth, expected_version=version, **data)
    return Status(201, _lines_of(request, deal_id))


@router.patch("/deal-lines/{line_id}", response={200: DealLines, **WRITE_ERRORS})
def deal_line_change(request: HttpRequest, line_id: int, payload: DealLinePatch) -> Any:
    line = deal_line_get_for_user(request.auth, line_id, write=True)
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=ACTIVE_PRODUCTS
    )
    version = data.pop("version", None)
    deal_line_update(line, acting_user=request.auth, expected_version=version, **data)
    return _lines_of(request, line.deal_id)


@router.delete("/deal-lines/{line_id}", response={200: DealLines, **WRITE_ERRORS})
def deal_line_delete(request: HttpRequest, line_id: int, version: int | None = None) -> Any:
    """Take the product off the deal; `?version=` guards it like a change."""
    line = deal_line_get_for_user(request.auth, line_id, write=True)
    deal_line_remove(line, acting_user=request.auth, expected_version=version)
    return _lines_of(request, line.deal_id)


@router.put("/deals/{deal_id}/lines/amount", response={200: DealLines, **WRITE_ERRORS})
def deal_amount_follow(request: HttpRequest, deal_id: int, payload: AmountFollowIn) -> Any:
    """`follow: true` makes the deal amount the lines' total, now and after every change."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    deal_amount_follow_lines(
        deal, acting_user=request.auth, follow=payload.follow, expected_version=payload.version
    )
    return _lines_of(request, deal_id)
