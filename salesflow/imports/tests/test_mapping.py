from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from salesflow.customers.services import ACCOUNT_FIELDS, CONTACT_FIELDS
from salesflow.imports.mapping import RowMapper, mapping_check, mapping_suggest, render_template
from salesflow.imports.parsing import Record
from salesflow.imports.targets import CREATED_ACCOUNT_FACTS, TARGETS
from salesflow.imports.users import USER_FIELDS
from salesflow.imports.values import RowOptions
from salesflow.leads.services import LEAD_FIELDS
from salesflow.pipeline.services import DEAL_FIELDS
from salesflow.quotes.services import PRODUCT_FIELDS

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[3]


def problems(mapping, kind="leads") -> list[str]:
    with pytest.raises(ValidationError) as refused:
        mapping_check(mapping, kind)
    return refused.value.message_dict["mapping"]


def test_every_import_target_is_a_field_the_services_accept_or_a_documented_extra():
    extras = {"full_name", "created_at", "contact_email", "contact_name", "outcome", "closed_at",
              "lost_reason", "consent_at"}  # fmt: skip
    # Facts of an account a contact import creates (create_missing), passed to account_update.
    extras |= {t.name for t in CREATED_ACCOUNT_FACTS}
    # A deal row's product line, written by the quotes app's line services.
    extras |= {"product", "quantity"}
    allowed = {"leads": LEAD_FIELDS, "contacts": CONTACT_FIELDS, "accounts": ACCOUNT_FIELDS,
               "deals": DEAL_FIELDS, "products": set(PRODUCT_FIELDS),
               # user_create / user_update, and the team services for the two teams.
               "users": {*USER_FIELDS, "team", "parent_team"}}  # fmt: skip
    for kind, targets in TARGETS.items():
        unknown = {t.name for t in targets} - allowed[kind] - extras
        assert not unknown, (kind, unknown)


def test_a_mapping_names_its_bad_keys_and_targets():
    found = problems(
        {
            "kind": "leads",
            "colums": {},
            "columns": {"E-mail": "emial", "Name": "full_name", "Full": "full_name"},
            "values": {"source": {"web": "internet"}},
            "create_missing": ["account"],
        }
    )

    assert any("Unknown key 'colums'" in p for p in found)
    assert any("Column 'E-mail' maps to 'emial', which leads do not have" in p for p in found)
    assert any("Columns 'Name' and 'Full' both map to 'full_name'" in p for p in found)
    assert any("values: no column maps to 'source'" in p for p in found)
    assert any("'web' maps to 'internet', which is not one of: seo" in p for p in found)
    assert any("create_missing: 'account' cannot be created by a leads import" in p for p in found)
    assert any("Leads need a source" in p for p in found)


def test_a_mapping_for_another_kind_is_refused():
    assert problems({"kind": "deals", "columns": {"A": "name"}}, "accounts") == [
        "This mapping is for 'deals', not 'accounts'."
    ]


def test_deals_need_a_stage_but_not_an_account():
    found = problems({"columns": {"Amount": "amount"}}, "deals")

    assert "Deals need a column mapped to 'stage'." in found
    assert not any("'account'" in p for p in found)


def test_defaults_are_checked_like_cells():
    found = problems({"columns": {"Email": "email"}, "defaults": {"source": "billboard"}})

    assert any(p.startswith("defaults.source: Unknown source 'billboard'") for p in found)


def test_a_checked_mapping_has_every_section():
    checked = mapping_check({"columns": {"Email": "email", "Src": "source"}}, "leads")

    assert checked["kind"] == "leads"
    assert checked["null_values"] == [""]
    assert checked["values"] == checked["defaults"] == checked["templates"] == {}


def test_the_x_education_mapping_in_the_docs_is_valid():
    mapping = json.loads((REPO / "docs" / "mappings" / "x_education_leads.json").read_text())

    assert mapping_check(mapping, "leads")["columns"]["Prospect ID"] == "external_id"


def test_headers_are_matched_to_fields_by_fuzzy_name():
    suggested = mapping_suggest(
        ["Prospect ID", "E-Mail Address", "First Name", "lastName", "Company Name", "Lead Source",
         "Mobile", "Lead Owner", "Favourite colour"],
        "leads",
    )  # fmt: skip

    assert suggested == {
        "kind": "leads",
        "columns": {
            "Prospect ID": "external_id",
            "E-Mail Address": "email",
            "First Name": "first_name",
            "lastName": "last_name",
            "Company Name": "company",
            "Lead Source": "source",
            "Mobile": "phone",
            "Lead Owner": "owner",
        },
    }


def test_each_field_is_suggested_for_one_header_only():
    suggested = mapping_suggest(
        ["Opportunity ID", "Deal ID", "Amount", "Stage", "Account"], "deals"
    )

    assert list(suggested["columns"].values()).count("external_id") == 1
    assert suggested["columns"]["Amount"] == "amount"
    assert suggested["columns"]["Account"] == "account"


def mapper_for(mapping, header, kind="leads", **options):
    return RowMapper(mapping_check(mapping, kind), kind, header, RowOptions(**options))


def test_a_row_is_mapped_with_null_values_value_tables_templates_and_defaults():
    mapper = mapper_for(
        {
            "columns": {"Email": "email", "Src": "source", "Name": "full_name"},
            "values": {"source": {"Google": "seo", "*": "other", "Select": ""}},
            "templates": {"notes": "Origin: {Origin}\nTags: {Tags}"},
            "defaults": {"source": "referral", "status": "new"},
            "null_values": ["", "Select"],
        },
        ["Email", "Src", "Name", "Origin", "Tags"],
    )

    google = mapper.map(Record(2, [" ADA@Example.com", "google", "Ada King Lovelace", "API", ""]))
    other = mapper.map(Record(3, ["", "Bing", "Select", "Select", "Ringing"]))
    blank = mapper.map(Record(4, ["", "Select", "", "", ""]))

    assert google.values == {
        "email": "ada@example.com",
        "source": "seo",
        "first_name": "Ada King",
        "last_name": "Lovelace",
        "notes": "Origin: API",
        "status": "new",
    }
    assert other.values["source"] == "other"
    assert other.values["notes"] == "Tags: Ringing"
    assert "first_name" not in other.values
    assert blank.values["source"] == "referral"  # "Select" is not an answer: the default applies
    assert "source" in google.from_file and "source" not in blank.from_file


def test_bad_cells_become_errors_naming_their_column():
    mapper = mapper_for(
        {"columns": {"Mail": "email", "Size": "size_band", "Src": "source"}, "required": ["email"]},
        ["Mail", "Size", "Src"],
    )

    row = mapper.map(Record(7, ["not-an-email", "huge", "seo"]))
    empty = mapper.map(Record(8, ["", "", "seo"]))

    assert [(e.column, e.value) for e in row.errors] == [("Mail", "not-an-email"), ("Size", "huge")]
    assert "Unknown size band 'huge'" in row.errors[1].message
    assert [(e.column, e.message) for e in empty.errors] == [("Mail", "A value is required here.")]


def test_deal_cells_are_typed():
    mapper = mapper_for(
        {
            "columns": {
                "Stage": "stage",
                "Org": "account",
                "Value": "amount",
                "Closed": "closed_at",
            },
            "date_format": "d.m.Y",
        },
        ["Stage", "Org", "Value", "Closed"],
        kind="deals",
        decimal_separator=",",
    )

    row = mapper.map(Record(2, ["Won", "Acme", "1.234,50", "31.03.2024"]))

    assert row.errors == []
    assert row.values["amount"] == Decimal("1234.50")
    assert row.values["closed_at"].date() == dt.date(2024, 3, 31)
    assert row.values["closed_at"].tzinfo is not None


def test_a_template_line_with_only_empty_placeholders_is_left_out():
    assert render_template("A: {A}\nB: {B}\nfixed", {"A": "", "B": "2"}) == "B: 2\nfixed"
