"""A deal walked through the default seven-step sales process by the API alone."""

from __future__ import annotations

from salesflow.activities.models import Activity


def test_a_deal_is_walked_from_prospecting_to_won_through_the_api(api_as, rep):
    api = api_as(rep)
    account = api.post("/accounts", {"name": "Nordwind Logistics"}).json()
    deal = api.post(
        "/deals", {"name": "Fleet CRM", "account_id": account["id"], "amount": "48000"}
    ).json()
    path = f"/deals/{deal['id']}"
    assert deal["stage_name"] == "Prospecting"

    def move(stage: str, **extra: object) -> object:
        version = api.get(path).json()["version"]  # a move says what it moves from
        return api.post(f"{path}/move", {"stage": stage, "version": version, **extra})

    # Step 1, visit: the first-meeting judgment and its next step in one call.
    meeting = api.post(f"{path}/first-meeting", {"state": "preliminary_demand", "notes": "Keen"})
    assert meeting.status_code == 201
    assert meeting.json()["next_action"]["action"] == "Book the needs assessment meeting"
    task = api.post(f"{path}/next-action")
    assert task.status_code == 201
    assert (task.json()["type"], task.json()["deal_id"]) == ("meeting", deal["id"])
    assert move("Qualification").status_code == 200

    # Step 2, qualification: refused until BANT is recorded, with exactly what is missing.
    refused = move("Needs assessment")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "This deal cannot leave Qualification yet.",
        "missing": [
            {"code": f"bant_recorded:{letter}", "message": text, "stage": "Qualification"}
            for letter, text in [
                ("budget", "BANT: record the budget."),
                ("authority", "BANT: record who decides (authority)."),
                ("need", "BANT: record the need."),
                ("timeline", "BANT: record the timeline."),
            ]
        ],
    }
    bant = api.put(
        f"{path}/qualification",
        {
            "budget_amount": "50000",
            "is_budget_confirmed": True,
            "is_decision_maker": False,
            "decision_maker_name": "Ines Berg (COO)",
            "need": "Dispatch runs on spreadsheets",
            "pain_level": 4,
            "timeline_on": "2027-06-30",
        },
    )
    assert bant.status_code == 200
    assert (bant.json()["is_complete"], bant.json()["missing"]) == (True, [])
    assert move("Needs assessment").status_code == 200

    # Step 3, needs assessment: every open question answered, then confirmed by the customer.
    [question_set] = api.get(f"{path}/answers").json()["items"]
    questions = question_set["questions"]
    blockers = api.get(f"{path}/blockers", {"stage": "Presentation / demo"}).json()["missing"]
    assert [item["code"] for item in blockers] == [
        *(f"assessment_answered:{question['id']}" for question in questions),
        f"assessment_confirmed:{question_set['id']}",
    ]
    for question in questions:
        answer = api.post(f"{path}/answers", {"question_id": question["id"], "text": "Noted"})
        assert answer.status_code == 200
    confirmed = api.post(f"{path}/assessment/confirm", {"question_set_id": question_set["id"]})
    assert confirmed.json()["confirmed_at"] is not None
    assert move("Presentation / demo").status_code == 200

    # Step 4, presentation: a decision maker among the stakeholders and the checklist done.
    checklist = api.get(f"{path}/checklist").json()["items"]
    refused = move("Proposal and objections")
    assert [item["code"] for item in refused.json()["missing"]] == [
        "decision_maker",
        *(f"checklist:{item['id']}" for item in checklist),
    ]
    coo = api.post(
        "/contacts", {"first_name": "Ines", "last_name": "Berg", "account_id": account["id"]}
    ).json()
    stakeholder = api.post(
        f"{path}/stakeholders", {"contact_id": coo["id"], "role": "decision_maker"}
    )
    assert stakeholder.status_code == 201
    for item in checklist:
        assert api.post(f"{path}/checklist/{item['id']}", {"ticked": True}).json()["is_ticked"]
    assert move("Proposal and objections").status_code == 200

    # Step 5, proposal and objections: a quote sent and every objection answered.
    logged = api.post(
        f"{path}/objections",
        {"category": "price", "customer_words": "Your competitor is 20% cheaper"},
    ).json()
    refused = move("Closing")
    assert refused.json()["missing"] == [
        {
            "code": "quote_sent",
            "message": "Send a quote to the customer.",
            "stage": "Proposal and objections",
        },
        {
            "code": f"no_open_objection:{logged['id']}",
            "message": "Answer the price objection: “Your competitor is 20% cheaper”",
            "stage": "Proposal and objections",
        },
    ]
    quote = api.post(f"{path}/quotes").json()
    lined = api.post(
        f"/quotes/{quote['id']}/lines",
        {"description": "Route planner, 20 seats", "quantity": "20", "unit_price": "2300"},
    )
    assert lined.json()["totals"]["net_total"] == "46000.00"
    sent = api.post(f"/quotes/{quote['id']}/send", {"version": lined.json()["version"]})
    assert sent.json()["status"] == "sent"
    suggestion = logged["suggestions"][0]
    words = suggestion["response"].replace("…", "20,000 EUR")  # its placeholders filled in
    answered = api.post(
        f"/objections/{logged['id']}/answer",
        {"library_response_id": suggestion["id"], "response_given": words},
    )
    assert answered.json()["status"] == "answered"
    assert answered.json()["response_given"] == words
    assert api.get(f"{path}/blockers", {"stage": "Closing"}).json()["missing"] == []
    assert move("Closing").status_code == 200

    # Step 6, closing: won, with the technique and the final amount.
    won = api.post(
        f"{path}/close", {"outcome": "won", "technique": "direct", "amount": "46000"}
    ).json()
    assert (won["outcome"], won["stage_name"], won["closing_technique"]) == (
        "won",
        "Won",
        "direct",
    )
    assert won["closed_on"] is not None
    history = api.get(f"{path}/history").json()["items"]
    assert [step["to_stage_name"] for step in history] == [
        "Prospecting",
        "Qualification",
        "Needs assessment",
        "Presentation / demo",
        "Proposal and objections",
        "Closing",
        "Won",
    ]
    assert [step["override_reason"] for step in history] == [""] * 7
    assert history[-1]["to_outcome"] == "won"
    assert Activity.objects.filter(deal_id=deal["id"], subject="Hand over to delivery").exists()
