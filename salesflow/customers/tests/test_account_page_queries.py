"""The account page at scale (issue #10 point 4): a fixed, small number of queries whatever the
account holds."""

from __future__ import annotations

import pytest

from salesflow.customers.tests.test_customer_360 import _crowd
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

# Session, user, teams, the account (its owner read with it: was one more query), its contacts,
# the deals panel (open, closed, totals), tiers, stakeholders, quotes and their lines,
# objections, referrals, the timeline, custom fields, child accounts, the audit trail.
ACCOUNT_PAGE_QUERIES = 18


def _queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)
    with django_assert_max_num_queries(ACCOUNT_PAGE_QUERIES) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_account_page_reads_a_fixed_number_of_queries(
    rep, rep_client, django_assert_max_num_queries
):
    account = AccountFactory(owner=rep)
    _crowd(account, rep, 2)
    url = account.get_absolute_url()
    few = _queries(rep_client, url, django_assert_max_num_queries)
    _crowd(account, rep, 12)
    assert _queries(rep_client, url, django_assert_max_num_queries) == few
    assert f"<dd>{rep}</dd>" in rep_client.get(url).content.decode()  # the owner, read with it
