"""The X Education import keeps every raw lead source in `source_detail`, filterable."""

from __future__ import annotations

from salesflow.imports.models import ImportStatus
from salesflow.imports.tests.test_x_education import import_x_education, pytestmark, source_rows
from salesflow.leads.models import Lead
from salesflow.leads.selectors import lead_source_details_visible_to, leads_filtered

__all__ = ["pytestmark"]


def test_x_education_keeps_every_raw_lead_source_beside_the_folded_one(admin_user):
    rows = source_rows()
    raw = [row["Lead Source"] for row in rows.values() if row["Lead Source"].strip()]

    job = import_x_education(admin_user)

    assert job.status == ImportStatus.DONE, job.message
    kept = Lead.objects.exclude(source_detail="")
    assert kept.count() == len(raw)  # every lead that named a source keeps it
    assert set(kept.values_list("source_detail", flat=True)) == set(raw)
    # "Google" and "google" are two spellings kept as exported, one choice and one filter.
    assert {"Google", "google"} <= set(raw)
    choices = lead_source_details_visible_to(admin_user)
    assert len(choices) == len({value.casefold() for value in raw})
    google = sum(1 for value in raw if value.casefold() == "google")
    assert leads_filtered(admin_user, source_detail="google").count() == google
    welingak = raw.count("Welingak Website")
    assert welingak > 0
    assert leads_filtered(admin_user, source_detail="Welingak Website").count() == welingak
    assert set(
        leads_filtered(admin_user, source_detail="Welingak Website").values_list(
            "source", flat=True
        )
    ) == {"referral"}
    # The notes no longer repeat it.
    assert not Lead.objects.filter(notes__contains="Lead source (as exported)").exists()
