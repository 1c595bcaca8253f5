"""Pages of customer communications: segments, templates, email campaigns, the single email
from a contact or deal page, and the unsubscribe page (no sign-in)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from salesflow.core.forms import form_add_service_error
from salesflow.core.settings_views import settings_form
from salesflow.core.views import error_text, page_of, record_create
from salesflow.customers.models import Contact, SizeBand, Tier
from salesflow.customers.selectors import contact_get_for_user
from salesflow.outreach import services
from salesflow.outreach.forms import (
    BounceForm,
    EmailForm,
    MailingForm,
    SegmentForm,
    TemplateForm,
)
from salesflow.outreach.merge import MERGE_FIELDS
from salesflow.outreach.models import MailingStatus, RecipientStatus, SkipReason
from salesflow.outreach.segments import segment_members
from salesflow.outreach.selectors import (
    mailing_counts,
    mailing_get_for_user,
    mailings_visible_to,
    recipients_of,
    segment_get_for_user,
    segments_visible_to,
    template_get_for_user,
    templates_visible_to,
)
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.users import policy
from salesflow.users.models import Team, User

SAMPLE_SIZE = 10


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# ---------------------------------------------------------------- segments


@login_required
@require_http_methods(["GET"])
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = segments_visible_to(request.user).order_by("name", "pk")
    return render(request, "outreach/segment_list.html", {"page_obj": page_of(request, segments)})


@login_required
@require_http_methods(["GET", "POST"])
def segment_create(request: HttpRequest) -> HttpResponse:
    form = SegmentForm(request.POST or None, user=request.user)
    return record_create(
        request, form=form, create=services.segment_create, saved="Segment {record} saved.",
        title="New segment", cancel_url=reverse("outreach:segment-list"),
    )  # fmt: skip


FILTER_LABELS = {
    "industry": "Industry",
    "region": "Region",
    "size_band": "Size",
    "tier": "Tier",
    "owner_id": "Owner",
    "team_id": "Team",
    "has_consent": "Consent",
    "custom": "Contact fields",
    "account_custom": "Account fields",
}


def _person(user: Any) -> str:
    return (user.get_full_name() or user.username) if user else "a removed user"


def segment_filter_rows(filters: dict[str, Any]) -> list[tuple[str, str]]:
    """A segment's filter as (label, readable value) rows: "Industry: automotive", "Owner:
    Sara Rossi" rather than raw keys and ids. Empty lists narrow nothing and are left out."""
    choices = {"size_band": dict(SizeBand.choices), "tier": dict(Tier.choices)}
    rows = []
    for key, value in filters.items():
        if value in (None, [], {}, ""):
            continue
        label = FILTER_LABELS.get(key, key.replace("_", " ").capitalize())
        if key in choices:
            text = ", ".join(str(choices[key].get(v, v)) for v in value)
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        elif key == "owner_id":
            text = _person(User.objects.filter(pk=value).first())
        elif key == "team_id":
            team = Team.objects.filter(pk=value).first()
            text = team.name if team else "a removed team"
        elif key == "has_consent":
            text = "Has consent" if value else "No consent"
        elif isinstance(value, dict):
            text = "; ".join(f"{k.removeprefix('custom.')} = {v}" for k, v in value.items())
        else:
            text = str(value)
        rows.append((label, text))
    return rows


@login_required
@require_http_methods(["GET"])
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = segment_get_for_user(request.user, pk)
    members = segment_members(request.user, segment.filters)
    context = {
        "segment": segment,
        "member_count": members.count(),
        "sample": members[:SAMPLE_SIZE],
        "filter_rows": segment_filter_rows(segment.filters or {}),
        "can_edit": policy.can_write(request.user, segment),
    }
    return render(request, "outreach/segment_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    segment = segment_get_for_user(request.user, pk, write=True)
    form = SegmentForm(
        request.POST or None, user=request.user, initial=SegmentForm.initial_of(segment)
    )

    def save() -> Any:
        values = form.values()
        # Filters the form does not show (set through the API) are kept.
        hidden = ("team_id", "custom", "account_custom", "contact_ids", "account_ids")
        kept = {k: v for k, v in segment.filters.items() if k in hidden}
        values["filters"] = {**kept, **values["filters"]}
        return services.segment_update(segment, acting_user=request.user, **values)

    return settings_form(
        request, form=form, save=save, success_message=f"Segment {segment} saved.",
        redirect_to=segment.get_absolute_url(),
        context={"title": f"Edit {segment}", "cancel_url": segment.get_absolute_url()},
    )  # fmt: skip


# ---------------------------------------------------------------- templates


@login_required
@require_http_methods(["GET"])
def template_list(request: HttpRequest) -> HttpResponse:
    templates = templates_visible_to(request.user).order_by("name", "pk")
    context = {"page_obj": page_of(request, templates)}
    return render(request, "outreach/template_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    return record_create(
        request, form=form, create=services.template_create, saved="Template {record} saved.",
        title="New email template", cancel_url=reverse("outreach:template-list"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET"])
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = template_get_for_user(request.user, pk)
    context = {
        "template": template,
        "merge_fields": [("{{ " + name + " }}", label) for name, label in MERGE_FIELDS.items()],
        "can_edit": policy.can_write(request.user, template),
    }
    return render(request, "outreach/template_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = template_get_for_user(request.user, pk, write=True)
    form = TemplateForm(request.POST or None, initial=TemplateForm.initial_of(template))
    return settings_form(
        request, form=form,
        save=lambda: services.template_update(template, acting_user=request.user, **form.values()),
        success_message=f"Template {template} saved.", redirect_to=template.get_absolute_url(),
        context={"title": f"Edit {template}", "cancel_url": template.get_absolute_url()},
    )  # fmt: skip


# ---------------------------------------------------------------- email campaigns


@login_required
@require_http_methods(["GET"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    mailings = mailings_visible_to(request.user)
    context = {"page_obj": page_of(request, mailings)}
    return render(request, "outreach/campaign_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = MailingForm(request.POST or None, user=request.user)
    return record_create(
        request, form=form, create=services.mailing_create, saved="Campaign {record} saved.",
        title="New email campaign", cancel_url=reverse("outreach:campaign-list"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET"])
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = mailing_get_for_user(request.user, pk)
    status = request.GET.get("status", "")
    if status not in RecipientStatus.values:
        status = ""
    counts = mailing_counts(mailing)
    reasons = dict(SkipReason.choices)
    context = {
        "mailing": mailing,
        "counts": counts,
        "skipped": [
            (reasons.get(reason, reason), n) for reason, n in counts["skipped_by_reason"].items()
        ],
        "statuses": RecipientStatus.choices,
        "status": status,
        "page_obj": page_of(request, recipients_of(mailing, status=status or None)),
        "can_edit": policy.can_write(request.user, mailing),
        "is_draft": mailing.status == MailingStatus.DRAFT,
        "is_paused": mailing.status == MailingStatus.PAUSED,
        "bounce_form": BounceForm(),
    }
    return render(request, "outreach/campaign_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft campaign's name, kind, template, segment and visibility."""
    mailing = mailing_get_for_user(request.user, pk, write=True)
    if mailing.status != MailingStatus.DRAFT:
        messages.error(request, "Only a draft campaign can be changed.")
        return redirect(mailing)
    fields = ("name", "kind", "template", "segment", "visibility")
    form = MailingForm(
        request.POST or None, user=request.user,
        initial={field: getattr(mailing, field) for field in fields},
    )  # fmt: skip
    return settings_form(
        request, form=form,
        save=lambda: services.mailing_update(mailing, acting_user=request.user, **form.values()),
        success_message=f"Campaign {mailing} saved.", redirect_to=mailing.get_absolute_url(),
        context={"title": f"Edit {mailing}", "cancel_url": mailing.get_absolute_url()},
    )  # fmt: skip


def _campaign_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    mailing = mailing_get_for_user(request.user, pk, write=True)
    try:
        action(mailing)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done)
    return redirect(mailing)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_send(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation (how many get it, how many are skipped and why); POST: send."""
    if request.method == "GET":
        mailing = mailing_get_for_user(request.user, pk, write=True)
        if mailing.status != MailingStatus.DRAFT:
            messages.error(request, "This campaign has been sent already.")
            return redirect(mailing)
        sending, skipped = services.mailing_send_preview(mailing, acting_user=request.user)
        reasons = dict(SkipReason.choices)
        context = {
            "mailing": mailing,
            "sending": sending,
            "skipped": [(reasons.get(reason, reason), n) for reason, n in skipped.items()],
            "skipped_total": sum(skipped.values()),
        }
        return render(request, "outreach/campaign_send.html", context)
    return _campaign_action(
        request, pk,
        lambda m: services.mailing_send(m, acting_user=request.user, site_url=_site_url(request)),
        "Sending started: the worker sends the emails in batches.",
    )  # fmt: skip


@login_required
@require_POST
def campaign_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(
        request, pk, lambda m: services.mailing_resume(m, acting_user=request.user),
        "Sending resumed: nobody already sent to gets the email again.",
    )  # fmt: skip


@login_required
@require_POST
def campaign_bounces(request: HttpRequest, pk: int) -> HttpResponse:
    form = BounceForm(request.POST)
    if not form.is_valid():
        mailing_get_for_user(request.user, pk, write=True)
        messages.error(request, "Give the bounced addresses.")
        return redirect("outreach:campaign-detail", pk=pk)
    return _campaign_action(
        request, pk,
        lambda m: services.bounces_record(m, acting_user=request.user, emails=form.addresses()),
        "Bounces recorded.",
    )  # fmt: skip


# ---------------------------------------------------------------- a single email


def _email_initial(request: HttpRequest, contacts: Any) -> dict[str, Any]:
    """`?template=<id>` (the "Use template" button) fills the subject and message with the
    template's, so the rep sees and can change what goes out; `?contact=<id>` keeps the choice."""
    initial: dict[str, Any] = {}
    contact_id = request.GET.get("contact", "")
    if contact_id.isdigit() and contacts.filter(pk=contact_id).exists():
        initial["contact"] = int(contact_id)
    template_id = request.GET.get("template", "")
    if template_id.isdigit():
        template = templates_visible_to(request.user).filter(pk=template_id).first()
        if template is not None:
            initial.update(template=template.pk, subject=template.subject, body=template.body_text)
    return initial


def _email_page(
    request: HttpRequest, *, record: Any, contacts: Any, deal: Any = None
) -> HttpResponse:
    if request.method == "POST" and "use_template" in request.POST:
        query = {
            key: request.POST.get(key, "")
            for key in ("contact", "template")
            if request.POST.get(key, "").isdigit()
        }
        return redirect(f"{request.path}?{urlencode(query)}")
    data = request.POST if request.method == "POST" else None
    form = EmailForm(
        data, user=request.user, contacts=contacts, initial=_email_initial(request, contacts)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_email_send(
                data["contact"], acting_user=request.user, subject=data["subject"],
                body=data["body"], template=data["template"], deal=deal,
                site_url=_site_url(request),
            )  # fmt: skip
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Email sent to {data['contact']}.")
            return redirect(record)
    recipients = list(contacts.order_by("last_name", "first_name", "pk"))
    context = {
        "form": form,
        "title": f"Email {record}",
        "parent": record,
        "cancel_url": record.get_absolute_url(),
        "recipients": recipients,
        "single": recipients[0] if len(recipients) == 1 else None,
    }
    return render(request, "outreach/email_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_email(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(request.user, pk)
    contacts = Contact.objects.filter(pk=contact.pk)
    return _email_page(request, record=contact, contacts=contacts)


@login_required
@require_http_methods(["GET", "POST"])
def deal_email(request: HttpRequest, pk: int) -> HttpResponse:
    """To the deal's primary contact or one of its stakeholders (those the user may read)."""
    deal = deal_get_for_user(request.user, pk)
    contacts = Contact.objects.filter(policy.readable_q(request.user)).filter(
        pk__in=[deal.primary_contact_id or 0, *deal.stakeholders.values_list("contact", flat=True)]
    )
    return _email_page(request, record=deal, contacts=contacts, deal=deal)


# ---------------------------------------------------------------- unsubscribe (no sign-in)


@csrf_exempt  # the signed link is the credential; mail clients post it (RFC 8058 one-click)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        contact, mailing = services.unsubscribe_read(token)
    except (signing.BadSignature, Contact.DoesNotExist, ValueError, TypeError):
        return render(request, "outreach/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        services.contact_unsubscribe(contact, mailing=mailing)
        return render(request, "outreach/unsubscribe_done.html", {"email": contact.email})
    return render(request, "outreach/unsubscribe.html", {"email": contact.email, "token": token})
