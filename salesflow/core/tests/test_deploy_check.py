from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PRODUCTION_ENV = {
    "SECRET_KEY": "k3Jq9-vR2m_Zt8wLp4Xe7Nb1Yc6Hs0Ud5Fg2Ai9Oq3Tw8Ez4Kx",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "crm.example.com",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def _clean_environ() -> dict[str, str]:
    # Browser tests allow async-unsafe calls for their own process; production does not.
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_deploy_check_passes_with_production_settings(tmp_path):
    env = {**_clean_environ(), **PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    salesflow = Path(sys.executable).with_name("salesflow")
    result = subprocess.run(
        [str(salesflow), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_flags_the_development_secret_key(tmp_path):
    env = {k: v for k, v in {**_clean_environ(), **PRODUCTION_ENV}.items() if k != "SECRET_KEY"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    salesflow = Path(sys.executable).with_name("salesflow")
    result = subprocess.run(
        [str(salesflow), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr
