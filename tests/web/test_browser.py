"""The pages in a real browser (Debian's chromium, driven by Playwright), screenshots kept."""

import pytest
import requests

from ..conftest import load_payload, sdk_payloads
from ..plugins.workers import wait_until

pytestmark = pytest.mark.live


def sign_up(page, email="researcher@example.org"):
    page.goto("/signup")
    page.fill("#email", email)
    page.fill("#password", "a-long-password")
    page.fill("#confirm", "a-long-password")
    page.click("main button[type=submit]")
    page.wait_for_url("**/app/")


def create_key(page, name="laptop", scopes=("imports:write", "results:read", "submissions:read")) -> str:
    page.goto("/app/keys/")
    page.fill("#name", name)
    for scope in scopes:
        page.check(f"input[value='{scope}']")
    page.click("form.narrow button[type=submit]")
    return page.inner_text("#new-secret")


def replace_code(page, field_id: str, lines: list[str]) -> None:
    """Type into the CodeMirror editor as a person would (it indents after a colon by itself)."""
    editor = page.locator(f"#{field_id} + .CodeMirror")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for index, line in enumerate(lines):
        if index:
            page.keyboard.press("Enter")
        page.keyboard.type(line)


def test_the_whole_journey_of_an_import(page, live_server, screenshot):
    sign_up(page)
    assert page.is_visible("text=Push your first run")
    assert page.inner_text("header.site .badge-tier") == "Free"
    screenshot("dashboard-empty")

    secret = create_key(page)
    assert secret.startswith("vlk_live_")
    screenshot("keys-created")

    payload = load_payload(next(path for path in sdk_payloads() if path.stem == "sphere-all-callbacks"))
    created = requests.post(f"{live_server}/api/v1/imports/", json=payload,
                            headers={"Authorization": f"Bearer {secret}"}, timeout=30).json()

    page.goto("/app/")
    row = page.locator(f"tr[data-submission='{created['id']}']")
    assert row.locator(".badge-imported").inner_text() == "Imported"
    assert row.locator("svg.sparkline").is_visible()
    screenshot("dashboard")

    row.locator("a").first.click()
    page.wait_for_url(f"**/app/result/{created['result_id']}/")
    chart = page.locator("svg.chart")
    assert chart.is_visible() and chart.bounding_box()["width"] > 300
    assert chart.locator("polyline").count() == 1
    assert page.inner_text("#best-fitness") == "-0.0106882"
    screenshot("result")

    page.click("text=Edit code and parameters")
    replace_code(page, "code_fitness_func", ["def sphere(ga, sol, idx)", "return 0"])
    page.click("form.editor button[type=submit]")
    assert page.locator(".has-error .errors").first.inner_text().startswith("line 1")
    assert page.input_value("#code_fitness_func").startswith("def sphere(ga, sol, idx)\n")
    screenshot("edit-error")

    replace_code(page, "code_fitness_func", ["import numpy", "", "def sphere(ga, sol, idx):",
                                             "return -float(numpy.sum(numpy.abs(sol)))"])
    page.click("form.editor button[type=submit]")
    page.wait_for_url(f"**/app/submission/{created['id']}/")
    assert page.is_visible("text=Saved as version 2.")
    stored = requests.get(f"{live_server}/api/v1/submissions/{created['id']}",
                          headers={"Authorization": f"Bearer {secret}"}, timeout=30).json()
    assert stored["code"]["fitness_func"] == ("import numpy\n\ndef sphere(ga, sol, idx):\n"
                                              "    return -float(numpy.sum(numpy.abs(sol)))")
    screenshot("submission")

    page.goto("/app/keys/")
    page.click(f"button[aria-label='Revoke key {secret[:12]}']")
    assert page.is_visible("text=was revoked")
    refused = requests.get(f"{live_server}/api/v1/results/{created['result_id']}",
                           headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    assert refused.status_code == 401
    screenshot("keys-revoked")


def test_forms_work_without_javascript(browser, live_server, make_user):
    user = make_user()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", "password-123")
    page.click("main button[type=submit]")
    page.goto("/app/keys/")
    assert page.is_visible("text=Create a key")
    context.close()


def test_pages_fit_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    sign_up(page, "phone@example.org")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    context.close()


def test_no_request_leaves_the_server_and_nothing_breaks_the_content_policy(page, live_server, make_user, make_key):
    outside, refused = [], []
    page.on("request", lambda request: None if request.url.startswith(live_server) else outside.append(request.url))
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    sign_up(page, "local@example.org")
    secret = create_key(page)
    payload = load_payload(next(path for path in sdk_payloads() if path.stem == "sphere-all-callbacks"))
    created = requests.post(f"{live_server}/api/v1/imports/", json=payload,
                            headers={"Authorization": f"Bearer {secret}"}, timeout=30).json()
    for path in ("/app/", f"/app/result/{created['result_id']}/", f"/app/submission/{created['id']}/",
                 f"/app/submission/{created['id']}/edit", "/account", "/docs/api"):
        page.goto(path)
    page.goto(f"/app/submission/{created['id']}/edit")
    assert page.locator(".CodeMirror").first.is_visible()
    assert outside == [] and refused == []


SLOW_SPHERE = ("import time\n\ndef sphere(ga, sol, idx):\n    time.sleep(0.004)\n"
               "    return -float(numpy.sum(sol ** 2))\n")


def test_continue_and_rerun_with_live_progress(page, live_server, screenshot, background_worker):
    sign_up(page, "runner@example.org")
    secret = create_key(page, scopes=("imports:write",))
    payload = load_payload(next(path for path in sdk_payloads() if path.stem == "sphere-default"))
    payload["code"]["fitness_func"] = SLOW_SPHERE
    created = requests.post(f"{live_server}/api/v1/imports/", json=payload,
                            headers={"Authorization": f"Bearer {secret}"}, timeout=30).json()
    background_worker()

    page.goto(f"/app/result/{created['result_id']}/")
    page.fill("#continue-generations", "150")
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_url("**/app/submission/**")
    # The page follows the run without being reloaded: the generation counter moves.
    # (polled from here: the page's content policy forbids the eval that wait_for_function needs)
    wait_until(lambda: int(page.inner_text("#run-generation")) > 5, seconds=60)
    assert page.locator("#run-status").inner_text() in ("Running", "Queued")
    page.wait_for_selector("#run-chart svg.chart", timeout=60_000)
    screenshot("run-progress")
    # When it ends the page reloads itself and shows the outcome.
    page.wait_for_selector("text=Current result", timeout=90_000)
    assert page.locator("#submission-status").inner_text() == "succeeded"
    page.get_by_role("link", name="Current result").click()
    assert page.locator(".badge-continued").first.is_visible()
    assert page.locator("svg.chart .chart-boundary").count() == 1
    screenshot("result-continued")

    page.goto(f"/app/submission/{created['id']}/")
    page.get_by_role("button", name="Re-run from scratch").click()
    page.wait_for_selector("text=reproduced the imported result exactly", timeout=90_000)
    assert page.locator(".badge-verified").first.is_visible()
    screenshot("submission-verified")
