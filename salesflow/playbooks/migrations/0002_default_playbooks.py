"""The default playbooks of the seven-step sales process.

- the needs-assessment question set (step 3: scripted open questions);
- the presentation preparation checklist (step 4);
- next actions for the first-meeting judgment (no demand, preliminary demand, ...);
- a starter objection library (step 5).
"""

from django.db import migrations

DEFAULT_PIPELINE = "Sales process"
QUESTION_SET = "Needs assessment: open questions"

QUESTIONS = [
    (
        "What do you like (and dislike) about your previous suppliers?",
        "What they value and what hurt them; future objections hide here.",
    ),
    ("What business problems do you want us to solve?", "Let them list; do not pitch yet."),
    ("Describe your present situation.", "Processes, people, tools, numbers."),
    (
        "What will happen when you solve the current business problems?",
        "The value they expect: the measure of success for your proposal.",
    ),
]

PRESENTATION_CHECKLIST = [
    "Agenda agreed with the customer",
    "End time agreed; everyone can stay to the end",
    "Expectations set on both sides",
    "Decision makers invited",
]

# state -> (action, activity type, due in days, guidance)
NEXT_ACTIONS = {
    "no_demand": (
        "Start the nurture cadence",
        "email",
        7,
        "No demand yet: do not push a demo. Keep in touch with useful content (news, cases, "
        "events) and check in again in a month to see whether their situation changed.",
    ),
    "preliminary_demand": (
        "Book the needs assessment meeting",
        "meeting",
        3,
        "Preliminary demand: book a meeting to ask the open questions. Listen more than you "
        "talk and do not pitch yet.",
    ),
    "clear_demand": (
        "Schedule the presentation / demo",
        "demo",
        5,
        "Clear demand: find the real decision makers, agree agenda and end time in advance, and "
        "set expectations on both sides before you present.",
    ),
    "evaluating_competitors": (
        "Build the competitive plan",
        "task",
        2,
        "They compare offers: record each competitor on the deal with their strengths and "
        "weaknesses, agree a counter strategy and reach the decision makers early.",
    ),
}

LIBRARY = [
    (
        "price",
        "Cost of the problem versus the price",
        "Let us put the price next to what the problem costs you today. You told me it costs "
        "you about … a month; at that rate the solution pays for itself in … months.",
    ),
    (
        "price",
        "Phase the investment",
        "We can start with the team that feels the pain most, prove the value, then extend. "
        "The first phase costs a fraction of the whole.",
    ),
    (
        "timing",
        "The cost of waiting",
        "What happens if nothing changes in the next six months? Starting now means results "
        "before your busy season.",
    ),
    (
        "authority",
        "Help me help you sell it internally",
        "Who else will weigh in? Let us plan a short meeting with them; I will prepare the "
        "points that matter to each of them.",
    ),
    (
        "need",
        "Back to their own words",
        "In our assessment you said … was your main problem. Is it still a priority? If so, "
        "let us look at how this solves exactly that.",
    ),
    (
        "competitor",
        "Compare on what matters to you",
        "They are a good company. Which criteria matter most to you? Let us compare both "
        "offers point by point on those.",
    ),
    (
        "trust",
        "References from similar customers",
        "I can put you in touch with a customer in your industry who had the same doubts; ask "
        "them anything.",
    ),
    (
        "product_fit",
        "Pilot on a real case",
        "Let us test it on one of your real cases in a short pilot, with success criteria we "
        "agree on up front.",
    ),
]


def _stage(Stage, name):
    return Stage.objects.filter(
        pipeline__name=DEFAULT_PIPELINE, name=name, archived_at__isnull=True
    ).first()


def playbooks_create(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    QuestionSet = apps.get_model("playbooks", "QuestionSet")
    Question = apps.get_model("playbooks", "Question")
    ChecklistItem = apps.get_model("playbooks", "ChecklistItem")
    NextActionRule = apps.get_model("playbooks", "NextActionRule")
    LibraryResponse = apps.get_model("playbooks", "LibraryResponse")

    assessment = _stage(Stage, "Needs assessment")
    question_set, created = QuestionSet.objects.get_or_create(
        name=QUESTION_SET,
        defaults={
            "stage": assessment,
            "description": "Ask them all, listen, then play the answers back and have the "
            "customer confirm them.",
        },
    )
    if created:
        Question.objects.bulk_create(
            Question(question_set=question_set, text=text, hint=hint, position=position)
            for position, (text, hint) in enumerate(QUESTIONS, 1)
        )
    presentation = _stage(Stage, "Presentation / demo")
    if presentation is not None:
        for position, label in enumerate(PRESENTATION_CHECKLIST, 1):
            ChecklistItem.objects.get_or_create(
                stage=presentation, label=label, defaults={"position": position}
            )
    for state, (action, activity_type, days, guidance) in NEXT_ACTIONS.items():
        if not NextActionRule.objects.filter(state=state, is_active=True).exists():
            NextActionRule.objects.create(
                state=state,
                action=action,
                activity_type=activity_type,
                due_in_days=days,
                guidance=guidance,
            )
    for category, title, response in LIBRARY:
        LibraryResponse.objects.get_or_create(
            category=category, title=title, defaults={"response": response}
        )


def playbooks_remove(apps, schema_editor):
    QuestionSet = apps.get_model("playbooks", "QuestionSet")
    ChecklistItem = apps.get_model("playbooks", "ChecklistItem")
    NextActionRule = apps.get_model("playbooks", "NextActionRule")
    LibraryResponse = apps.get_model("playbooks", "LibraryResponse")
    QuestionSet.objects.filter(
        name=QUESTION_SET, assessments__isnull=True, questions__answers__isnull=True
    ).delete()
    ChecklistItem.objects.filter(
        stage__pipeline__name=DEFAULT_PIPELINE, label__in=PRESENTATION_CHECKLIST, ticks__isnull=True
    ).delete()
    for state, (action, *_rest) in NEXT_ACTIONS.items():
        NextActionRule.objects.filter(state=state, action=action).delete()
    LibraryResponse.objects.filter(
        title__in=[title for _, title, _ in LIBRARY], uses__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0001_initial")]

    operations = [migrations.RunPython(playbooks_create, playbooks_remove)]
