"""An ordinary 403 or 404 logs one line; a 500 keeps its traceback (issue 12)."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import path

import salesflow.urls


def _deny(request):
    raise PermissionDenied("Not yours.")


def _missing(request):
    raise Http404("No such deal.")


def _boom(request):
    raise RuntimeError("kaboom")


# The real pages too: the 403/404 templates link to them.
urlpatterns = [
    path("deny/", _deny),
    path("missing/", _missing),
    path("boom/", _boom),
    *salesflow.urls.urlpatterns,
]


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("url", "status"), [("/deny/", 403), ("/missing/", 404)])
def test_client_errors_log_one_line_without_traceback(db, caplog, url, status):
    caplog.set_level(logging.INFO)
    response = Client().get(url)
    assert response.status_code == status
    records = _request_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text
    assert url in records[0].getMessage()


@pytest.mark.urls(__name__)
def test_server_error_keeps_its_traceback(db, caplog):
    caplog.set_level(logging.INFO)
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    records = _request_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "Traceback" in caplog.text and "kaboom" in caplog.text


def test_a_rep_on_an_admin_settings_page_logs_no_traceback(rep_client, caplog):
    caplog.set_level(logging.INFO)
    response = rep_client.get("/settings/pipelines/")
    assert response.status_code == 403
    assert [r.exc_info for r in _request_records(caplog)] == [None]
    assert "Traceback" not in caplog.text
