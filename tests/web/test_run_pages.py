"""Continue, re-run and cancel from the pages, with a real worker process."""

import copy
import re

import pytest

from ..api.test_imports import CURL_BODY
from ..conftest import bearer, load_payload, sdk_payloads
from .helpers import post_form, sign_in

pytestmark = pytest.mark.live


@pytest.fixture()
def signed_in(client, user):
    sign_in(client, user.email)
    return client


def push(client, key, name="sphere-default"):
    body = load_payload(next(path for path in sdk_payloads() if path.stem == name))
    response = client.post("/api/v1/imports/", json=body, headers=bearer(key))
    assert response.status_code == 201
    return response.get_json()


def test_continue_from_the_result_page(signed_in, key, drain):
    imported = push(signed_in, key)
    page = signed_in.get(f"/app/result/{imported['result_id']}/").get_data(as_text=True)
    assert "Continue for" in page and "Re-run from scratch on the server" in page
    response = post_form(signed_in, f"/app/result/{imported['result_id']}/continue", {"num_generations": "12"},
                         token_from=f"/app/result/{imported['result_id']}/")
    assert response.status_code == 302
    submission_url = response.headers["Location"]
    waiting = signed_in.get(submission_url).get_data(as_text=True)
    assert "data-progress-url" in waiting and 'data-status="queued"' in waiting
    assert 'data-status="queued"' in signed_in.get("/app/").get_data(as_text=True)
    progress = signed_in.get(submission_url + "progress.json").get_json()
    assert progress["status"] == "queued" and progress["done"] is False and progress["total"] == 12

    assert drain().returncode == 0
    done = signed_in.get(submission_url).get_data(as_text=True)
    assert "data-progress-url" not in done and "Started from the result&#39;s population" in done
    result_id = re.search(r'/app/result/(\w+)/">Current result', done).group(1)
    result_page = signed_in.get(f"/app/result/{result_id}/").get_data(as_text=True)
    assert "badge-continued" in result_page and f"result {imported['result_id']}" in result_page
    assert "chart-boundary" in result_page
    assert signed_in.get(submission_url + "progress.json").get_json()["done"] is True


def test_rerun_from_the_page_replaces_the_import_with_a_verified_result(signed_in, key, drain):
    imported = push(signed_in, key)
    url = f"/app/submission/{imported['id']}/"
    assert post_form(signed_in, url + "rerun", {}, token_from=url).status_code == 302
    drain()
    page = signed_in.get(url).get_data(as_text=True)
    assert "reproduced the imported result exactly" in page
    assert "badge-verified" in page and "Superseded" in page
    old = signed_in.get(f"/app/result/{imported['result_id']}/").get_data(as_text=True)
    assert "badge-superseded" in old and "badge-imported" in old
    dashboard = signed_in.get("/app/").get_data(as_text=True)
    assert "badge-verified" in dashboard and ">Imported<" not in dashboard


def test_a_failed_run_shows_the_users_traceback(signed_in, key, drain):
    body = copy.deepcopy(CURL_BODY)
    body["code"]["fitness_func"] = "def fitness_func(ga, sol, idx):\n    raise ValueError('bad gene')\n"
    imported = signed_in.post("/api/v1/imports/", json=body, headers=bearer(key)).get_json()
    url = f"/app/submission/{imported['id']}/"
    post_form(signed_in, url + "rerun", {}, token_from=url)
    drain()
    page = signed_in.get(url).get_data(as_text=True)
    assert "ValueError: bad gene" in page and "&lt;fitness_func&gt;" in page and "badge-failed" in page


def test_a_queued_run_is_cancelled_from_the_page(signed_in, key):
    imported = push(signed_in, key)
    url = f"/app/submission/{imported['id']}/"
    post_form(signed_in, url + "rerun", {}, token_from=url)
    assert "Cancel the run" in signed_in.get(url).get_data(as_text=True)
    post_form(signed_in, url + "cancel", {}, token_from=url)
    assert 'badge-cancelled' in signed_in.get(url).get_data(as_text=True)


def test_tier_refusals_are_shown_not_raised(app, signed_in, key):
    imported = push(signed_in, key)
    response = post_form(signed_in, f"/app/result/{imported['result_id']}/continue", {"num_generations": "999999"},
                         token_from=f"/app/result/{imported['result_id']}/", follow_redirects=True)
    assert "exceeds what your tier allows" in response.get_data(as_text=True)


def test_another_accounts_runs_cannot_be_started_or_cancelled(client, make_user, make_key):
    owner_key = make_key(make_user())
    imported = push(client, owner_key)
    sign_in(client, make_user().email)
    for path in (f"/app/result/{imported['result_id']}/continue", f"/app/submission/{imported['id']}/rerun",
                 f"/app/submission/{imported['id']}/cancel"):
        assert post_form(client, path, {}, token_from="/app/").status_code == 404
    assert client.get(f"/app/submission/{imported['id']}/progress.json").status_code == 404


def test_edits_wait_while_a_run_is_queued(signed_in, key):
    imported = push(signed_in, key)
    url = f"/app/submission/{imported['id']}/"
    post_form(signed_in, url + "rerun", {}, token_from=url)
    response = post_form(signed_in, url + "edit", {"num_generations": "5"})
    assert response.status_code == 409 and "queued or running" in response.get_data(as_text=True)
