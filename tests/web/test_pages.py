"""Dashboard, result page, downloads, editor and key pages, through Flask's test client."""

import csv
import html
import io
import json
import re

import pytest
from sqlalchemy import event, select

from vilvik.extensions import db
from vilvik.models import ApiKey, Submission

from ..api.test_imports import CURL_BODY
from ..conftest import bearer, load_payload, sdk_payloads
from .helpers import post_form, sign_in


@pytest.fixture()
def signed_in(client, user):
    sign_in(client, user.email)
    return client


def push(client, secret, body=CURL_BODY):
    response = client.post("/api/v1/imports/", json=body, headers=bearer(secret))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def page_text(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_an_empty_dashboard_shows_how_to_push_with_this_servers_url(signed_in):
    page = page_text(signed_in, "/app/")
    assert "Push your first run" in page
    assert "http://localhost/api/v1/imports/" in page and 'base_url="http://localhost/api/v1"' in page


def test_an_import_appears_on_the_next_load_with_its_badge_and_sparkline(signed_in, key):
    created = push(signed_in, key, load_payload(sdk_payloads()[0]))
    page = page_text(signed_in, "/app/")
    assert f'data-submission="{created["id"]}"' in page
    assert 'class="badge badge-imported">Imported<' in page
    assert 'class="sparkline"' in page and f'/app/result/{created["result_id"]}/' in page


def test_the_dashboard_pages_newest_first(app, signed_in, make_user, make_key, user):
    app.config["DASHBOARD_PAGE_SIZE"] = 4
    secret = make_key(user)
    with app.app_context():
        db.session.execute(db.update(db.metadata.tables["users"]).values(tier="premium"))
        db.session.commit()
    names = [f"run {index}" for index in range(6)]
    for name in names:
        push(signed_in, secret, {**CURL_BODY, "name": name})
    first = page_text(signed_in, "/app/")
    shown = [name for name in reversed(names) if f">{name}<" in first]
    assert shown == ["run 5", "run 4", "run 3", "run 2"]
    assert first.index(">run 5<") < first.index(">run 2<")
    older = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = page_text(signed_in, older)
    assert ">run 1<" in second and ">run 0<" in second and ">run 2<" not in second
    assert 'rel="next"' not in second


def test_the_dashboard_makes_no_query_per_row(app, signed_in, user, make_key):
    secret = make_key(user)

    def queries_for_dashboard() -> int:
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page_text(signed_in, "/app/")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    push(signed_in, secret)
    with_one = queries_for_dashboard()
    for _ in range(5):
        push(signed_in, secret)
    assert queries_for_dashboard() == with_one


def test_the_dashboards_query_count_does_not_grow_with_the_submissions_or_the_page_depth(
        app, signed_in, user, make_key):
    app.config["DASHBOARD_PAGE_SIZE"] = 2
    secret = make_key(user)
    with app.app_context():
        db.session.execute(db.update(db.metadata.tables["users"]).values(tier="premium"))
        db.session.commit()
        engine = db.engine

    def queries_for(path: str) -> tuple[int, str]:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = page_text(signed_in, path)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements), page

    def next_link(page: str) -> str | None:
        match = re.search(r'rel="next" href="([^"]+)"', page)
        return html.unescape(match.group(1)) if match else None

    for _ in range(3):
        push(signed_in, secret)
    first_with_few, page = queries_for("/app/")
    second_with_few, _ = queries_for(next_link(page))
    for _ in range(9):
        push(signed_in, secret)
    first_with_many, page = queries_for("/app/")
    counts, path = [], next_link(page)
    while path:
        count, page = queries_for(path)
        counts.append(count)
        path = next_link(page)
    assert len(counts) == 5  # 12 submissions, 2 a page
    assert first_with_many == first_with_few
    assert set(counts) == {second_with_few}


def test_a_100000_generation_result_page_draws_a_bounded_chart(app, signed_in, user, make_key):
    history = [-1 / (1 + generation) for generation in range(100_001)]
    history[40_000] = 2.0
    body = {**CURL_BODY, "result": {**CURL_BODY["result"], "best_solutions_fitness": history,
                                    "generations_completed": 100_000, "best_solution_generation": 40_000,
                                    "best_solution_fitness": 2.0}}
    created = push(signed_in, make_key(user), body)
    page = page_text(signed_in, f"/app/result/{created['result_id']}/")
    svg = re.search(r'<svg[^>]*class="chart".*?</svg>', page, re.S).group(0)
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    assert len(points) <= 2 * 632 + 2 and len(svg) < 60_000
    assert "100001 values over 100000 generations" in svg
    assert min(float(point.split(",")[1]) for point in points) < 30  # the spike reaches the top


def test_the_result_page_shows_everything_the_import_brought(signed_in, key):
    payload = load_payload(next(path for path in sdk_payloads() if path.stem == "sphere-all-callbacks"))
    created = push(signed_in, key, payload)
    page = html.unescape(page_text(signed_in, f"/app/result/{created['result_id']}/"))
    assert payload["name"] in page and payload["description"] in page
    assert 'class="badge badge-imported">Imported<' in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
    assert page.count('<td class="num">') >= 2 * len(payload["result"]["best_solution"])
    assert "12 individuals of 5 genes" in page
    for role in ("fitness_func", "on_start", "on_generation", "on_stop"):
        assert f"<code>{role}</code>" in page
    assert 'class="highlight"' in page and "sdk_version" in page and "0.5.7" in page
    assert '"random_seed": 7' in page


def test_the_spec_example_is_drawn_as_a_sampled_history(signed_in, key):
    created = push(signed_in, key)
    page = page_text(signed_in, f"/app/result/{created['result_id']}/")
    assert "Sampled history: 5 values spread over" in page
    assert "no population" in page


def test_a_population_smaller_than_sol_per_pop_is_explained(signed_in, key, spec_body):
    created = push(signed_in, key, spec_body)
    page = page_text(signed_in, f"/app/result/{created['result_id']}/")
    assert "1 individuals of 5 genes" in page and "fills the missing" in page and "49" in page


def test_downloads(signed_in, key):
    payload = load_payload(next(path for path in sdk_payloads() if path.stem == "sphere-all-callbacks"))
    created = push(signed_in, key, payload)
    base = f"/app/result/{created['result_id']}"
    document = json.loads(page_text(signed_in, f"{base}/result.json"))
    assert document["result"]["population"] == payload["result"]["population"]
    assert document["submission"]["code"] == payload["code"]
    population = list(csv.reader(io.StringIO(page_text(signed_in, f"{base}/population.csv"))))
    assert population[0] == ["individual", "gene_0", "gene_1", "gene_2", "gene_3", "gene_4", "fitness"]
    assert len(population) == 13 and float(population[1][1]) == payload["result"]["population"][0][0]
    history = list(csv.reader(io.StringIO(page_text(signed_in, f"{base}/history.csv"))))
    assert history[0] == ["generation", "best_fitness"] and len(history) == 17
    assert [float(value) for value in history[-1]] == [15, payload["result"]["best_solutions_fitness"][-1]]


def edit_form(submission):
    """The editor's fields for the stored submission, as a browser would post them unchanged."""
    params = dict(submission["ga_parameters"])
    form = {}
    for name in ("num_generations", "sol_per_pop", "num_parents_mating", "num_genes", "init_range_low",
                 "init_range_high", "keep_elitism", "random_seed"):
        value = params.pop(name, None)
        form[name] = "" if value is None else str(value)
    for name in ("gene_type", "parent_selection_type", "crossover_type", "mutation_type"):
        form[name] = params.pop(name, "")
    form["other_parameters"] = json.dumps(params)
    for role, source in submission["code"].items():
        if role.endswith("_entry"):
            form[f"entry_{role[:-6]}"] = source
        else:
            form[f"code_{role}"] = source
    return form


def test_editing_with_a_syntax_error_keeps_the_text_and_names_the_line(app, signed_in, key):
    created = push(signed_in, key)
    submission = signed_in.get(f"/api/v1/submissions/{created['id']}", headers=bearer(key)).get_json()
    form = edit_form(submission)
    broken = "def fitness_func(ga, sol, idx):\n    return -sum(s*s for s in sol\n"
    form["code_fitness_func"] = broken
    url = f"/app/submission/{created['id']}/edit"
    response = post_form(signed_in, url, form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "line 2" in page and "Nothing was saved" in page
    assert "return -sum(s*s for s in sol\n" in page.replace("&#39;", "'")
    with app.app_context():
        assert db.session.scalar(select(Submission.version)) == 1


def test_a_valid_edit_is_a_new_version_and_the_old_one_stays_viewable(app, signed_in, key):
    created = push(signed_in, key)
    submission = signed_in.get(f"/api/v1/submissions/{created['id']}", headers=bearer(key)).get_json()
    form = edit_form(submission)
    form["code_fitness_func"] = "def better(ga, sol, idx):\n    return -max(abs(s) for s in sol)\n"
    form["entry_fitness_func"] = "better"
    form["num_generations"] = "250"
    form["other_parameters"] = json.dumps({"stop_criteria": "saturate_20"})
    response = post_form(signed_in, f"/app/submission/{created['id']}/edit", form)
    assert response.status_code == 302
    stored = signed_in.get(f"/api/v1/submissions/{created['id']}", headers=bearer(key)).get_json()
    assert stored["code"]["fitness_func_entry"] == "better"
    assert stored["ga_parameters"]["num_generations"] == 250
    assert stored["ga_parameters"]["stop_criteria"] == "saturate_20"
    page = page_text(signed_in, f"/app/submission/{created['id']}/")
    assert "Version 2" in page and "Version 1" in page
    old = page_text(signed_in, f"/app/submission/{created['id']}/versions/1")
    code_text = re.sub(r"<[^>]+>", "", html.unescape(old))
    assert "return -sum(s*s for s in sol)" in code_text and "better" not in code_text


@pytest.mark.parametrize("change, field_text", [
    ({"num_generations": "-1"}, "must be at least 0"),
    ({"other_parameters": '{"mutation_rate": 1}'}, "mutation_rate: is not a PyGAD parameter"),
    ({"other_parameters": '{"a": 1,}'}, "Not valid JSON"),
    ({"other_parameters": "[1, 2]"}, "must be a JSON object"),
    ({"entry_on_stop": "finish"}, "no &#39;on_stop&#39; source"),
])
def test_edit_errors_are_shown_beside_their_field(signed_in, key, change, field_text):
    created = push(signed_in, key)
    submission = signed_in.get(f"/api/v1/submissions/{created['id']}", headers=bearer(key)).get_json()
    response = post_form(signed_in, f"/app/submission/{created['id']}/edit", {**edit_form(submission), **change})
    assert response.status_code == 422
    assert field_text in response.get_data(as_text=True)


def test_the_editor_marks_parameters_fixed_for_continue(signed_in, key):
    created = push(signed_in, key)
    page = page_text(signed_in, f"/app/submission/{created['id']}/edit")
    assert page.count("Fixed when continuing") >= 2
    assert "codemirror.js" in page and "<textarea" in page


def test_an_edit_without_a_csrf_token_is_refused(signed_in, key):
    created = push(signed_in, key)
    response = signed_in.post(f"/app/submission/{created['id']}/edit", data={"num_generations": "5"})
    assert response.status_code == 400


def test_a_key_is_shown_once_listed_by_prefix_and_revocable(app, signed_in):
    response = post_form(signed_in, "/app/keys/", {"name": "laptop", "scopes": ["imports:write", "results:read"],
                                                   "expires_in_days": "30"})
    page = response.get_data(as_text=True)
    secret = page.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith("vlk_live_") and f"Bearer {secret}" in page
    assert signed_in.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).status_code == 201
    listing = page_text(signed_in, "/app/keys/")
    assert secret not in listing and secret[:12] in listing and "from 127.0.0.1" in listing
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    assert post_form(signed_in, f"/app/keys/{key_id}/revoke", {}, token_from="/app/keys/").status_code == 302
    assert "revoked" in page_text(signed_in, "/app/keys/")
    assert signed_in.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).status_code == 401


def test_a_key_needs_a_scope(signed_in):
    response = post_form(signed_in, "/app/keys/", {"name": "none"})
    assert response.status_code == 422 and "Choose at least one scope." in response.get_data(as_text=True)


def test_another_accounts_pages_and_forms_are_404(app, client, make_user, make_key):
    owner = make_user()
    secret = make_key(owner)
    created = push(client, secret)
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    stranger = make_user()
    sign_in(client, stranger.email)
    result, submission = created["result_id"], created["id"]
    for path in (f"/app/result/{result}/", f"/app/result/{result}/result.json", f"/app/result/{result}/history.csv",
                 f"/app/result/{result}/population.csv", f"/app/submission/{submission}/",
                 f"/app/submission/{submission}/edit", f"/app/submission/{submission}/versions/1"):
        assert client.get(path).status_code == 404, path
    assert post_form(client, f"/app/submission/{submission}/edit", {"num_generations": "5"},
                     token_from="/app/keys/").status_code == 404
    assert post_form(client, f"/app/keys/{key_id}/revoke", {}, token_from="/app/keys/").status_code == 404
    assert client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(secret)).status_code == 201
