from __future__ import annotations

from typing import Any

from django import forms

from salesflow.activities.models import (
    NEXT_STEP_TYPES,
    Activity,
    ActivityType,
    InvitationOutcome,
    InvitationReason,
)
from salesflow.core.forms import (
    ActionForm,
    DateTimeInput,
    ListFilterForm,
    ServiceForm,
    VersionedServiceForm,
    with_blank,
)
from salesflow.core.widgets import use_picker
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.customfields.forms import CustomFieldsFormMixin
from salesflow.customfields.lists import CustomFilterFormMixin
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.users.forms import OwnerFieldMixin, owner_filter

LINKS = ("deal", "lead", "contact", "account")
INVITATION_FIELDS = ["invitation_reason", "invitation_outcome"]


def reasons_offered(current: int | None = None) -> Any:
    """The active invitation reasons, and the one an invitation already has."""
    from django.db.models import Q

    return InvitationReason.objects.filter(Q(is_active=True) | Q(pk=current)).order_by("name")


class ActivityForm(CustomFieldsFormMixin, OwnerFieldMixin, VersionedServiceForm):
    """An activity and the records it belongs to.

    Opened from a record's page (`linked`), the links are fixed and travel as hidden fields.
    Editing, it carries the version the user read, so a concurrent change is not overwritten.
    """

    custom_kind = "activity"

    fieldsets = [
        ("Activity", ["type", "subject", "due_at", "body", "outcome"]),
        ("Invitation", INVITATION_FIELDS),
        ("Belongs to", list(LINKS)),
        ("Owner and sharing", ["owner", "visibility"]),
    ]

    class Meta:
        model = Activity
        fields = [
            "type", "subject", "due_at", "body", "outcome", "invitation_reason",
            "invitation_outcome", "deal", "lead", "contact", "account", "owner", "visibility",
        ]  # fmt: skip
        widgets = {"due_at": DateTimeInput(), "body": forms.Textarea(attrs={"rows": 4})}
        labels = {"due_at": "Due", "body": "Notes"}
        help_texts = {
            "outcome": "What came of it, once done.",
            "invitation_reason": "Invitations only: why the customer is invited.",
            "invitation_outcome": "Invitations only: what the customer answered.",
        }

    def __init__(self, *args: Any, linked: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.user
        self.fields["type"].choices = with_blank(ActivityType.choices, "Choose a type")
        self.limit_choices("deal", deals_visible_to(user).order_by("name"))
        self.limit_choices("lead", leads_visible_to(user).order_by("last_name", "first_name"))
        self.limit_choices("contact", contacts_visible_to(user).order_by("last_name"))
        self.limit_choices("account", accounts_visible_to(user).order_by("name"))
        for name in LINKS:
            self.fields[name].empty_label = "—"
            use_picker(self.fields[name], name, prefer_owner=user.pk)  # search as you type
            if linked:
                self.fields[name].widget = forms.HiddenInput()
        self.fields["invitation_reason"].queryset = reasons_offered(
            self.current.get("invitation_reason")
        )
        self.fields["invitation_reason"].empty_label = "—"
        self.fields["invitation_outcome"].choices = with_blank(
            InvitationOutcome.choices, "Not answered yet"
        )

    def clean(self) -> dict[str, Any]:
        """The invitation fields only count for an invitation (the page hides them otherwise;
        the service refuses them on other types)."""
        data = super().clean()
        if data.get("type") != ActivityType.INVITATION:
            data["invitation_reason"] = None
            data["invitation_outcome"] = ""
        return data


class ActivityFilterForm(CustomFilterFormMixin, ListFilterForm):
    custom_kind = "activity"
    type = forms.ChoiceField(required=False, choices=with_blank(ActivityType.choices, "Any type"))
    state = forms.ChoiceField(
        required=False,
        choices=[("", "Open and done"), ("open", "Open"), ("overdue", "Overdue"), ("done", "Done")],
    )
    owner = owner_filter()
    invitation_reason = forms.ModelChoiceField(
        required=False,
        queryset=InvitationReason.objects.order_by("name"),
        empty_label="Any reason",
        label="Invitation reason",
    )


PLAN, NO_PLAN = "plan", "none"

# The type the next step is offered as, after completing one of these; any other type offers
# its own again. An invitation asks the customer to meet, so a meeting follows it; a note is
# not a step, so a call follows it. Never an invitation by default: an invitation needs a
# reason, which the rep has to pick.
NEXT_TYPE_AFTER = {
    ActivityType.INVITATION: ActivityType.MEETING,
    ActivityType.NOTE: ActivityType.CALL,
}


def next_type_after(completed: str) -> str:
    """The type offered for the step that follows a completed activity of type `completed`."""
    offered = NEXT_TYPE_AFTER.get(completed, completed)
    return ActivityType.CALL if offered == ActivityType.INVITATION else offered


class ActivityCompleteForm(ActionForm):
    """Done: what came of it, and the next step planned in the same form (or why there is
    none). The service checks the rules; this form only shapes the input."""

    outcome = forms.CharField(
        required=False, max_length=200, help_text="What came of it: agreed, learned, promised."
    )
    invitation_outcome = forms.ChoiceField(
        required=False, label="Their answer", choices=with_blank(InvitationOutcome.choices, "—")
    )
    plan = forms.ChoiceField(
        label="Next step",
        choices=[(PLAN, "Plan the next step"), (NO_PLAN, "No next step")],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"required": "Plan the next step, or say why there is none."},
    )
    next_type = forms.ChoiceField(label="Type", required=False)
    next_subject = forms.CharField(label="Subject", required=False, max_length=200)
    next_due_at = forms.DateTimeField(label="Due", required=False, widget=DateTimeInput())
    next_invitation_reason = forms.ModelChoiceField(
        label="Invitation reason",
        required=False,
        queryset=InvitationReason.objects.none(),
        empty_label="—",
        help_text="When the next step is an invitation.",
    )
    no_next_step_reason = forms.CharField(label="Why no next step", required=False, max_length=200)

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"complete-{activity.pk}-%s")
        super().__init__(*args, **kwargs)
        self.activity = activity
        self.asks_next_step = activity.type in NEXT_STEP_TYPES
        self.fields["plan"].required = self.asks_next_step
        self.fields["next_type"].choices = with_blank(ActivityType.choices, "Choose a type")
        self.fields["next_invitation_reason"].queryset = reasons_offered()
        if activity.type != ActivityType.INVITATION:
            del self.fields["invitation_outcome"]
        if not self.is_bound:
            self.initial.setdefault("plan", PLAN)
            self.initial.setdefault("next_type", next_type_after(activity.type))
            if activity.invitation_outcome:  # the answer already recorded stays chosen
                self.initial.setdefault("invitation_outcome", activity.invitation_outcome)

    def service_arguments(self) -> dict[str, Any]:
        """What `activity_complete_with_next_step` takes."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "outcome": data["outcome"],
            "invitation_outcome": data.get("invitation_outcome") or "",
        }
        if data["plan"] == PLAN:
            arguments["next_step"] = {
                "type": data["next_type"],
                "subject": data["next_subject"],
                "due_at": data["next_due_at"],
                "invitation_reason": data["next_invitation_reason"],
            }
        elif data["plan"] == NO_PLAN:
            arguments["no_next_step_reason"] = data["no_next_step_reason"]
        return arguments

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reason = (data.get("no_next_step_reason") or "").strip()
        if data.get("plan") == NO_PLAN and self.asks_next_step and not reason:
            self.add_error("no_next_step_reason", "Say why there is no next step.")
        return data


class InvitationReasonForm(ServiceForm):
    class Meta:
        model = InvitationReason
        fields = ["name", "is_active"]
        labels = {"is_active": "Active (offered for new invitations)"}


class InvitationReasonAddForm(ServiceForm):
    class Meta:
        model = InvitationReason
        fields = ["name"]
        labels = {"name": "New invitation reason"}
