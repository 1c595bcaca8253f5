"""Demo data of call review (see salesflow/demo/features/__init__.py): transcripts on a few of
each rep's recent calls, meetings and demos, with their coaching signals; some reviewed by the
team's manager, the rest waiting in the manager's review queue. No audio files: recordings are
uploaded by people trying the demo."""

from __future__ import annotations

from typing import Any

from salesflow.activities.models import Activity
from salesflow.coaching.models import RubricCriterion
from salesflow.coaching.services import REVIEWABLE_TYPES, review_submit, transcript_save
from salesflow.users.models import Role

# Written as `Name: text` lines ({rep} and {customer} are filled in), from a good discovery
# call to a monologue, so the signals and the trends differ between calls.
DIALOGUES = [
    (
        "lines",
        """{rep}: Thanks for making the time, {customer}. What made you look at new tools now?
{customer}: Our dispatchers spend half the morning phoning drivers to find out where the trucks are.
{rep}: How does that show up for your customers?
{customer}: Deliveries arrive late and nobody can tell them when. We lost two contracts this year.
{rep}: So what I'm hearing is that late deliveries you cannot explain are costing you
contracts. Is that right?
{customer}: Exactly, that is the real problem. The trucks are mostly on time; we just cannot
prove it or warn anyone when they are not, and the big retailers now ask for live updates.
{rep}: Tell me about the people who would decide on a change like this.
{customer}: Our operations director, and finance signs anything above fifty thousand. The
director has been asking for this since the second contract went, so she will want to see it.
{rep}: Shall we set up a demo with your operations director next Tuesday at 10?
{customer}: Yes, Tuesday at 10 works.""",
    ),
    (
        "lines",
        """{rep}: Hi {customer}, I wanted to walk you through our new release. We have rebuilt the
dashboard, the reports are faster, and the mobile app now works offline, which our customers
love. We also added a planning module.
{customer}: Okay.
{rep}: Do you use spreadsheets for planning today?
{customer}: Some of it.
{rep}: Is that a problem for you? Would a planning module help?
{customer}: Maybe, I would have to think about it.
{rep}: Great. Our pricing is very competitive and we can start whenever you like. I will send
you some material.
{customer}: Fine.""",
    ),
    (
        "lines",
        """{rep}: {customer}, what did your team think of the proposal?
{customer}: They liked the tracking, but the price per vehicle is higher than we budgeted.
{rep}: Which part of the budget does it come out of?
{customer}: Fleet operations, and that budget is fixed until April.
{rep}: If I understand correctly, the value is clear, but the timing of the budget is the issue.
{customer}: That is right.
{rep}: Could we start with the fifty trucks on the busiest routes and extend in April?
{customer}: That could work, I need to check with finance.""",
    ),
    (
        "lines",
        """{rep}: Good to see you, {customer}. How has the pilot gone so far?
{customer}: Drivers like the app, it is simple and they stopped asking for paper routes.
Dispatch still calls them out of habit, which annoys the drivers.
{rep}: Why do you think they keep calling?
{customer}: They do not trust the positions yet. Twice the map was ten minutes behind.
{rep}: Let me make sure I have this: the app works for drivers, but dispatch needs positions
they can trust before they stop calling.
{customer}: Yes. If they trusted the map they would have the whole morning back, and the
drivers would stop getting five calls before lunch.
{rep}: Let's schedule a session with dispatch on Thursday afternoon to show them the live refresh.
{customer}: Sounds good, Thursday afternoon.""",
    ),
]  # fmt: skip
CALLS_PER_REP = 3
REVIEWED_PER_TEAM = 2


def _name(user: Any) -> str:
    return user.first_name or user.username


def _customer(activity: Activity) -> str:
    return (activity.contact.first_name if activity.contact else "") or "Customer"


def populate(builder: Any) -> dict[str, int]:
    criteria = list(RubricCriterion.objects.filter(is_active=True))
    managers = {
        team.pk: next((u for u in builder.members.get(team.pk, []) if u.role == Role.MANAGER), None)
        for team in builder.teams.values()
    }
    transcripts = reviews = 0
    dialogue = 0
    for team in builder.teams.values():
        manager = managers.get(team.pk)
        reviewed_here = 0
        for rep in [u for u in builder.members.get(team.pk, []) if u.role == Role.REP]:
            calls = list(
                Activity.objects.filter(
                    owner=rep, team=team, type__in=REVIEWABLE_TYPES, done_at__isnull=False
                )
                .select_related("contact")
                .order_by("-done_at")[:CALLS_PER_REP]
            )
            for activity in calls:
                form, text = DIALOGUES[dialogue % len(DIALOGUES)]
                dialogue += 1
                filled = text.format(rep=_name(rep), customer=_customer(activity))
                transcript_save(
                    activity, format=form, text=filled, rep_speaker=_name(rep), acting_user=rep
                )
                transcripts += 1
                # Each rep's oldest call here gets reviewed; the newer stay in the queue.
                oldest = activity == calls[-1]
                if manager and criteria and oldest and reviewed_here < REVIEWED_PER_TEAM:
                    score = 4 if dialogue % 2 else 2
                    review_submit(
                        activity,
                        scores={c.pk: score for c in criteria},
                        comments={criteria[0].pk: "Good open questions early on."},
                        comment="Keep asking before presenting; agree the next step with "
                        "a date before you hang up.",
                        acting_user=manager,
                    )
                    reviews += 1
                    reviewed_here += 1
    return {"call transcripts": transcripts, "call reviews": reviews}
