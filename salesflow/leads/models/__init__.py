"""The leads app's models, one module per part: records, capture forms, scoring, routing."""

from __future__ import annotations

from salesflow.leads.models.assignment import (
    AssignmentRule as AssignmentRule,
)
from salesflow.leads.models.assignment import (
    TeamRoundRobin as TeamRoundRobin,
)
from salesflow.leads.models.capture import (
    FormSubmission as FormSubmission,
)
from salesflow.leads.models.capture import (
    LeadCaptureForm as LeadCaptureForm,
)
from salesflow.leads.models.capture import (
    SubmissionOutcome as SubmissionOutcome,
)
from salesflow.leads.models.capture import (
    capture_form_key_new as capture_form_key_new,
)
from salesflow.leads.models.records import (
    SOURCE_CHANNEL as SOURCE_CHANNEL,
)
from salesflow.leads.models.records import (
    Campaign as Campaign,
)
from salesflow.leads.models.records import (
    Channel as Channel,
)
from salesflow.leads.models.records import (
    DisqualificationReason as DisqualificationReason,
)
from salesflow.leads.models.records import (
    Lead as Lead,
)
from salesflow.leads.models.records import (
    LeadMerge as LeadMerge,
)
from salesflow.leads.models.records import (
    LeadStatus as LeadStatus,
)
from salesflow.leads.models.records import (
    Qualification as Qualification,
)
from salesflow.leads.models.records import (
    Source as Source,
)
from salesflow.leads.models.scoring import (
    CONDITION_CATEGORY as CONDITION_CATEGORY,
)
from salesflow.leads.models.scoring import (
    CUSTOM_CONDITIONS as CUSTOM_CONDITIONS,
)
from salesflow.leads.models.scoring import (
    CUSTOM_FIELD_TYPES as CUSTOM_FIELD_TYPES,
)
from salesflow.leads.models.scoring import (
    DECAYING_CONDITIONS as DECAYING_CONDITIONS,
)
from salesflow.leads.models.scoring import (
    Grade as Grade,
)
from salesflow.leads.models.scoring import (
    LeadScoringSettings as LeadScoringSettings,
)
from salesflow.leads.models.scoring import (
    ProfileCriterion as ProfileCriterion,
)
from salesflow.leads.models.scoring import (
    ProfileDimension as ProfileDimension,
)
from salesflow.leads.models.scoring import (
    ScoreCategory as ScoreCategory,
)
from salesflow.leads.models.scoring import (
    ScoreCondition as ScoreCondition,
)
from salesflow.leads.models.scoring import (
    ScoringRule as ScoringRule,
)
