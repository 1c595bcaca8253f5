"""Pages of customer communications: segments, templates, email campaigns, the single email
from a contact or deal page, and the unsubscribe page (no sign-in)."""

from __future__ import annotations

from typing import Any

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
from salesflow.core.views import error_text, page_of, record_create
from salesflow.customers.models import Contact
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


@login_required
@require_http_methods(["GET"])
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = segment_get_for_user(request.user, pk)
    members = segment_members(request.user, segment.filters)
    context = {
        "segment": segment,
        "member_count": members.count(),
        "sample": members[:SAMPLE_SIZE],
        "can_edit": policy.can_write(request.user, segment),
    }
    return render(request, "outreach/segment_detail.html", context)


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
    context = {"template": template, "merge_fields": MERGE_FIELDS}
    return render(request, "outreach/template_detail.html", context)


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
@require_POST
def campaign_send(request: HttpRequest, pk: int) -> HttpResponse:
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


def _email_page(
    request: HttpRequest, *, record: Any, contacts: Any, deal: Any = None
) -> HttpResponse:
    form = EmailForm(request.POST or None, user=request.user, contacts=contacts)
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
    context = {
        "form": form,
        "title": f"Email {record}",
        "parent": record,
        "cancel_url": record.get_absolute_url(),
        "submit_label": "Send",
        "intro": "The email is sent now and recorded on the contact's timeline.",
    }
    return render(request, "form_page.html", context)


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
