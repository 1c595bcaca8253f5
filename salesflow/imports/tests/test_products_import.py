"""Products: the catalogue imports from a file, and deal rows bring their product as a line
(issue 11 point 2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.pipeline.models import Deal
from salesflow.quotes.models import DealLine, Product
from salesflow.quotes.tests.factories import ProductFactory
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

PRODUCTS = {
    "kind": "products",
    "columns": {
        "Product": "name",
        "Code": "sku",
        "Series": "category",
        "Sales Price": "unit_price",
    },
}
PRODUCT_FILE = (
    "Product,Code,Series,Sales Price\n"
    "GTX Basic,GTX-B,GTX,550\n"
    "GTX Pro,GTX-P,GTX,4821\n"
    "MG Special,,MG,55\n"
)
DEALS = {
    "kind": "deals",
    "columns": {"ID": "external_id", "Account": "account", "Stage": "stage", "Product": "product",
                "Seats": "quantity", "Value": "amount"},
    "values": {"product": {"GTXPro": "GTX Pro"}},
}  # fmt: skip


def test_products_import_with_codes_categories_and_prices_and_re_import_changes_nothing(
    admin_user,
):
    job = run_import(admin_user, PRODUCT_FILE, kind="products", mapping=PRODUCTS)
    assert errors_of(job) == []
    rows = Product.objects.order_by("name").values_list("name", "sku", "category", "unit_price")
    assert list(rows) == [
        ("GTX Basic", "GTX-B", "GTX", Decimal(550)),
        ("GTX Pro", "GTX-P", "GTX", Decimal(4821)),
        ("MG Special", "", "MG", Decimal(55)),
    ]
    again = run_import(admin_user, PRODUCT_FILE, kind="products", mapping=PRODUCTS)
    assert (again.created_count, again.updated_count) == (0, 0)
    changed = PRODUCT_FILE.replace("MG Special,,MG,55", "mg  special,,MG,60")
    run_import(admin_user, changed, kind="products", mapping=PRODUCTS)
    assert Product.objects.count() == 3
    assert Product.objects.get(sku="").unit_price == Decimal(60)


def test_a_rep_may_not_import_products(rep):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        run_import(rep, PRODUCT_FILE, kind="products", mapping=PRODUCTS)
    assert not Product.objects.exists()


@pytest.fixture
def catalogue(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    return {
        "pro": ProductFactory(name="GTX Pro", sku="GTX-P", unit_price=Decimal(4821)),
        "basic": ProductFactory(name="GTX Basic", sku="GTX-B", unit_price=Decimal(550)),
    }


def test_a_deal_row_brings_its_product_as_a_line_matched_loosely(admin_user, catalogue):
    content = (
        "ID,Account,Stage,Product,Seats,Value\n"
        "D1,Acme,Proposal and objections,gtx   PRO,2,9000\n"
        "D2,Acme,Qualification,GTXPro,,\n"
        "D3,Acme,Qualification,GTX-B,3,\n"
    )
    job = run_import(admin_user, content, kind="deals", mapping=DEALS)
    assert errors_of(job) == []
    lines = {
        line.deal.external_id: (line.product.name, line.quantity, line.unit_price)
        for line in DealLine.objects.select_related("deal", "product")
    }
    assert lines == {
        "D1": ("GTX Pro", Decimal(2), Decimal(4500)),  # the row's amount over the seats
        "D2": ("GTX Pro", Decimal(1), Decimal(4821)),  # the list price
        "D3": ("GTX Basic", Decimal(3), Decimal(550)),
    }
    amounts = dict(Deal.objects.values_list("external_id", "amount"))
    assert amounts == {"D1": Decimal(9000), "D2": Decimal(4821), "D3": Decimal(1650)}
    assert all(Deal.objects.values_list("amount_from_lines", flat=True))

    again = run_import(admin_user, content, kind="deals", mapping=DEALS)
    assert (again.created_count, again.updated_count) == (0, 0)
    assert DealLine.objects.count() == 3

    switched = content.replace("D3,Acme,Qualification,GTX-B,3,", "D3,Acme,Qualification,GTX Pro,1,")
    run_import(admin_user, switched, kind="deals", mapping=DEALS)
    d3 = Deal.objects.get(external_id="D3")
    assert [(li.product.name, li.quantity) for li in d3.lines.all()] == [("GTX Pro", Decimal(1))]
    assert d3.amount == Decimal(4821)


def test_bad_product_cells_are_named_and_nothing_is_half_written(admin_user, catalogue):
    content = (
        "ID,Account,Stage,Product,Seats,Value\n"
        "D1,Acme,Qualification,GTX Pro,-2,100\n"
        "D2,Acme,Qualification,Widget,1,100\n"
        "D3,Acme,Qualification,,4,100\n"
    )
    job = run_import(admin_user, content, kind="deals", mapping=DEALS, mode="all_or_nothing")
    problems = {(row, column): message for row, column, message in errors_of(job)}
    assert set(problems) == {(2, "Seats"), (3, "Product"), (4, "Seats")}
    assert "above zero" in problems[(2, "Seats")]
    assert "No product 'Widget'" in problems[(3, "Product")]
    assert not Deal.objects.exists() and not DealLine.objects.exists()


def test_create_missing_products_adds_them_to_the_catalogue_for_an_admin(admin_user, catalogue):
    mapping = {**DEALS, "create_missing": ["product"]}
    content = "ID,Account,Stage,Product,Seats,Value\nD1,Acme,Qualification,Zeta Max,1,300\n"
    job = run_import(admin_user, content, kind="deals", mapping=mapping)
    assert errors_of(job) == []
    assert Deal.objects.get().lines.get().product.name == "Zeta Max"


def test_a_name_two_products_share_is_an_error_naming_their_codes(admin_user, catalogue):
    ProductFactory(name="gtx  pro", sku="GTX-P2")
    content = "ID,Account,Stage,Product,Seats,Value\nD1,Acme,Qualification,GTX Pro,1,100\n"
    job = run_import(admin_user, content, kind="deals", mapping=DEALS)
    ((row, column, message),) = errors_of(job)
    assert (row, column) == (2, "Product")
    assert "GTX-P" in message and "GTX-P2" in message
    assert not Deal.objects.exists()
