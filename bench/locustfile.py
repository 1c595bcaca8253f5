"""Locust users for the API load run (issue #10 point 6): `make load` starts everything.

By hand, against a running `salesflow serve` with data (loopback only):

    SALESFLOW_LOAD_TOKEN=$(.venv/bin/salesflow token create admin) \\
        .venv/bin/locust -f bench/locustfile.py --headless -u 10 -r 5 -t 60s \\
        --host http://127.0.0.1:8000

Each simulated user lists deals, reads a deal, searches, logs an activity and moves a deal
between two open stages, always with the version it just read. Users move disjoint deals (user n
takes every USERS-th open deal from n on), so a 409 would mean a lost update, not a race
between users. Moves send an override reason: the token should be a manager's or an admin's,
whose moves may pass unmet exit criteria.
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Any

import requests
from locust import HttpUser, between, events, task

API = "/api/v1"
SEARCHES = ["müller", "acme", "logistics", "anna", "nord", "sch", "renewal", "berlin"]
_numbers = itertools.count()


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument(
        "--salesflow-token",
        default=os.environ.get("SALESFLOW_LOAD_TOKEN", ""),
        help="API token (or SALESFLOW_LOAD_TOKEN)",
    )


class ApiUser(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        token = self.environment.parsed_options.salesflow_token
        if not token:
            raise RuntimeError("Set SALESFLOW_LOAD_TOKEN (or --salesflow-token).")
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.number = next(_numbers)
        self.rng = random.Random(self.number)
        users = max(1, self.environment.parsed_options.num_users or 1)
        # Setting up is not measured: a plain session, outside locust's statistics, so that
        # "all requests" counts only the five requests of the load.
        with requests.Session() as setup:
            setup.headers["Authorization"] = f"Bearer {token}"
            deals = setup.get(
                f"{self.host}{API}/deals", params={"outcome": "open", "limit": 200}, timeout=60
            ).json()["items"]
            stages = setup.get(f"{self.host}{API}/pipelines", timeout=60).json()["items"]
        mine = deals[self.number % users :: users] or deals[:1]
        self.deals = [d["id"] for d in mine]
        pipeline = mine[0]["pipeline_id"] if mine and "pipeline_id" in mine[0] else None
        chosen = next((p for p in stages if p.get("id") == pipeline), stages[0])
        self.open_stages = [s["id"] for s in chosen["stages"] if s.get("kind") == "open"][:2]

    @task(5)
    def list_deals(self) -> None:
        self.client.get(
            f"{API}/deals",
            params={"limit": 25, "offset": self.rng.randrange(0, 200)},
            name="list deals",
        )

    @task(5)
    def get_deal(self) -> None:
        self.client.get(f"{API}/deals/{self.rng.choice(self.deals)}", name="get deal")

    @task(3)
    def search(self) -> None:
        self.client.get(f"{API}/search", params={"q": self.rng.choice(SEARCHES)}, name="search")

    @task(2)
    def create_activity(self) -> None:
        self.client.post(
            f"{API}/activities",
            json={
                "type": "call",
                "subject": f"Load test call {self.number}",
                "deal_id": self.rng.choice(self.deals),
                "done_at": "2026-01-05T10:00:00Z",
            },
            name="create activity",
        )

    @task(1)
    def move_deal(self) -> None:
        deal_id = self.rng.choice(self.deals)
        deal = self.client.get(f"{API}/deals/{deal_id}", name="get deal").json()
        first, second = self.open_stages
        target = second if deal["stage_id"] == first else first
        self.client.post(
            f"{API}/deals/{deal_id}/move",
            json={
                "stage": target,
                "version": deal["version"],
                "override_reason": "Load test",
            },
            name="move deal",
        )
