"""Take the screenshots in docs/screenshots/ from a fresh demo, by hand:

    .venv/bin/python scripts/screenshots.py [--scale 0.1] [--out docs/screenshots]

It creates a demo database in a temporary folder (`salesflow migrate`, `salesflow demo --scale`),
serves it with `salesflow serve` on a free port, signs in with Debian's chromium (Playwright) as
marco (manager, the board of his team) and sara (rep, one of her deals and the header search) and
saves, at 1440x900 and 390x844:

    board-desktop.png  board-phone.png  deal-desktop.png  deal-phone.png
    search-desktop.png search-phone.png

The server is stopped and the temporary folder removed afterwards, also after an error.
docs/screenshots.md describes what each picture shows.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SALESFLOW = Path(sys.executable).parent / "salesflow"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo1234"  # noqa: S105 - the demo users' documented password
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

# Printed by `salesflow shell`: sara's open deal furthest along (with an account) and the first
# letters of its account's name, which the search box is given.
FIND_RECORDS = """
from salesflow.pipeline.models import Deal
deal = (
    Deal.objects.filter(owner__username="sara", stage__kind="open", account__isnull=False)
    .order_by("-stage__position", "pk")
    .first()
)
print(f"RECORDS {deal.pk} {deal.account.name[:4]}")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(env: dict[str, str], *args: str) -> str:
    print("$ salesflow", " ".join(args).strip().splitlines()[0], flush=True)
    done = subprocess.run(
        [str(SALESFLOW), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


@contextmanager
def served(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """`salesflow serve` in its own process group, until the login page answers; stopped after."""
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(SALESFLOW), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"salesflow serve stopped:\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(f"{url}/login/", timeout=5) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"salesflow serve did not answer in 90 s:\n{log.read_text()}")
                time.sleep(0.5)
            yield url
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def sign_in(browser, url: str, username: str, viewport: dict[str, int]):
    context = browser.new_context(base_url=url, viewport=viewport)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda current: "/login/" not in current)
    return context, page


def settle(page) -> None:
    """The page has loaded, htmx is up and no request of it is under way."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => typeof htmx === 'object' && !document.querySelector('.htmx-request')"
    )
    page.wait_for_timeout(300)  # CSS transitions


def search_in_header(page, letters: str) -> None:
    """Type into the header's search box (as a user would, so its dropdown opens); a phone
    layout may tuck the box behind a button: open it first. Without a visible box, the results
    page is shown instead."""
    box = page.locator("header input[type=search], header [role=searchbox]").first
    if not box.is_visible():
        opener = page.locator("header").get_by_role("button", name="Search")
        if opener.count() and opener.first.is_visible():
            opener.first.click()
    if box.is_visible():
        box.click()
        box.press_sequentially(letters, delay=120)
        page.wait_for_timeout(600)  # the box waits for a pause in typing before it asks
        settle(page)
    else:
        page.goto(f"/search/?q={letters}")
        settle(page)


def take(page, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    # caret="initial": hiding the caret would leave style="" on inputs (see tests/browser).
    page.screenshot(path=str(path), caret="initial")
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="0.1", help="demo --scale (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="salesflow-screenshots-") as folder:
        tmp = Path(folder)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "salesflow.settings",
            "DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}",
            "STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
        run(env, "migrate", "--no-input")
        run(env, "demo", "--scale", options.scale, "--password", PASSWORD)
        records = run(env, "shell", "-c", FIND_RECORDS).split("RECORDS ", 1)[1].split()
        deal_id, letters = records[0], records[1]

        with served(env, free_port(), tmp / "serve.log") as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            try:
                for suffix, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                    context, page = sign_in(browser, url, "marco", viewport)
                    page.goto("/board/")
                    settle(page)
                    take(page, out, f"board-{suffix}")
                    context.close()

                    context, page = sign_in(browser, url, "sara", viewport)
                    page.goto(f"/deals/{deal_id}/")
                    settle(page)
                    take(page, out, f"deal-{suffix}")  # the first screen: what comes first
                    page.goto("/")
                    settle(page)
                    search_in_header(page, letters)
                    take(page, out, f"search-{suffix}")
                    context.close()
            finally:
                browser.close()


if __name__ == "__main__":
    main()
