"""The official SDK, unchanged, against this server (base_url=".../api/v1")."""

import re
import subprocess

import pytest


pytestmark = pytest.mark.live

# A real PyGAD run as researchers write it: a helper that uses numpy without importing it in the
# fitness function, callbacks, a gene space, a gene type, stop criteria, a seed.
LOCAL_RUN = '''
import numpy as np
import pygad


def distance(solution):
    target = 2.5
    return float(np.abs(np.sum(solution) - target))

def fitness_func(ga_instance, solution, solution_idx):
    return -distance(solution)

def on_generation(ga_instance):
    pass

def on_stop(ga_instance, last_fitness):
    pass

ga = pygad.GA(num_generations=20, num_parents_mating=4, sol_per_pop=10, num_genes=4,
              fitness_func=fitness_func, on_generation=on_generation, on_stop=on_stop,
              gene_space={"low": -1, "high": 2}, gene_type=float, stop_criteria=["saturate_15"],
              mutation_num_genes=1, random_seed=11, suppress_warnings=True)
ga.run()
'''


def test_push_then_continue_and_wait(sdk, key):
    out = sdk(LOCAL_RUN + '''
record = vilvik.push(ga, name="sdk push", base_url=BASE)
client = vilvik.Client(base_url=BASE)
continued = client.results.continue_run(record.result_id, num_generations=10)
try:
    result = client.results.wait_for(continued.id, timeout=120, poll_interval=0.5)
except vilvik.APIError:
    print(json.dumps(client.submissions.get(continued.id).raw["run"]))
    raise
print(json.dumps({"id": record.id, "result_id": record.result_id, "url": record.result_url,
                  "continued": continued.id, "status": client.submissions.get(continued.id).status,
                  "generations": result.num_generations_ran, "best": result.best_fitness}))
''', api_key=key)
    assert re.fullmatch(r"[0-9A-Za-z]{12}", out["id"]) and out["url"].endswith(f"/app/result/{out['result_id']}/")
    assert out["status"] == "succeeded" and out["generations"] >= 10
    assert out["best"] <= 0


def test_push_to_vilvik_from_pygad_itself(sdk, key, client):
    out = sdk(LOCAL_RUN + '''
record = ga.push_to_vilvik(api_key=__import__("os").environ["VILVIK_API_KEY"], base_url=BASE, name="from pygad")
print(json.dumps({"id": record.id}))
''', api_key=key)
    submission = client.get(f"/api/v1/submissions/{out['id']}", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert submission["name"] == "from pygad" and submission["origin"]["client"] in ("sdk", "pygad_wrapper")
    assert submission["code"]["fitness_func_entry"] == "fitness_func"
    assert "on_generation" in submission["code"] and "on_stop" in submission["code"]


def test_reexecute_run_iterate_update_and_delete(sdk, make_user, make_key):
    key = make_key(make_user("premium"))
    out = sdk(LOCAL_RUN + '''
client = vilvik.Client(base_url=BASE)
record = vilvik.push(ga, base_url=BASE)
again = client.submissions.reexecute(record.id)
verified = client.results.wait_for(again.id, timeout=120, poll_interval=0.5)
with vilvik.run(base_url=BASE, fitness_func="def f(ga, s, i):\\n    return -float(sum(x * x for x in s))\\n",
                num_genes=3, num_generations=8, sol_per_pop=6, num_parents_mating=2, name="one shot",
                poll_interval=0.5) as one_shot:
    one_shot_best = one_shot.best_fitness
for _ in range(3):
    vilvik.push(ga, base_url=BASE)
everything = [submission.id for submission in client.submissions.iter_all(limit=2)]
renamed = client.results.update(verified.id, name="verified run", is_shared=True)
client.results.delete(record.result_id)
after_delete = client.submissions.get(record.id)
print(json.dumps({"verified_sub": verified.submission_id, "record": record.id, "count": len(everything),
                  "unique": len(set(everything)), "one_shot_best": one_shot_best, "renamed": renamed.name,
                  "shared": renamed.is_shared, "after_delete": after_delete.status}))
''', api_key=key)
    assert out["verified_sub"] == out["record"]
    assert out["count"] == out["unique"] == 5  # the first push, the one-shot run, three more pushes
    assert out["one_shot_best"] <= 0
    assert out["renamed"] == "verified run" and out["shared"] is True


def test_the_sdk_raises_its_exceptions_with_our_codes(sdk, make_user, make_key):
    owner, reader = make_user(), make_user()
    key = make_key(owner)
    read_only = make_key(owner, scopes=["results:read"])
    stranger = make_key(reader)
    out = sdk(LOCAL_RUN + '''
import os
client = vilvik.Client(base_url=BASE)
record = vilvik.push(ga, base_url=BASE)
caught = {}
try:
    vilvik.Client(api_key=os.environ["READ_ONLY"], base_url=BASE).submissions.get(record.id)
except vilvik.AuthenticationError as error:
    caught["auth"] = [error.status_code, error.code, str(error)]
try:
    vilvik.Client(api_key=os.environ["STRANGER"], base_url=BASE).results.get(record.result_id)
except vilvik.NotFoundError as error:
    caught["not_found"] = [error.status_code, error.code]
try:
    client.results.continue_run(record.result_id, num_genes=9)
except vilvik.ValidationError as error:
    caught["validation"] = [error.status_code, error.code, str(error)]
try:
    for _ in range(12):
        vilvik.push(ga, base_url=BASE)
except vilvik.RateLimitError as error:
    caught["rate"] = [error.status_code, error.code, error.retry_after]
print(json.dumps(caught))
''', api_key=key, READ_ONLY=read_only, STRANGER=stranger)
    assert out["auth"][:2] == [403, "scope_required"] and "submissions:read" in out["auth"][2]
    assert out["not_found"] == [404, "not_found"]
    assert out["validation"][:2] == [422, "validation_failed"] and "num_genes" in out["validation"][2]
    assert out["rate"][:2] == [429, "rate_limited"] and isinstance(out["rate"][2], int) and out["rate"][2] > 0


def login_process(sdk_python, live_server, tmp_path):
    return subprocess.Popen([sdk_python, "-m", "vilvik", "login", "--base-url", f"{live_server}/api/v1",
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                            env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
                                 "PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"})


def approval_url(process) -> str:
    seen = []
    for line in process.stdout:
        seen.append(line)
        match = re.search(r"(http://\S+/device/approve\?user_code=\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("vilvik login printed no approval URL: " + "".join(seen)[-2000:])


@pytest.mark.parametrize("decision", ["Approve", "Deny"])
def test_vilvik_login_through_the_browser(sdk_python, live_server, tmp_path, page, user, decision):
    process = login_process(sdk_python, live_server, tmp_path)
    url = approval_url(process)
    page.goto("/login?next=" + url.split(live_server, 1)[1].replace("?", "%3F").replace("=", "%3D"))
    page.fill("#email", user.email)
    page.fill("#password", "password-123")
    page.click("main button[type=submit]")
    page.wait_for_url("**/device/approve**")
    page.get_by_role("button", name=decision).click()
    page.wait_for_selector("#device-decision")
    output, _ = process.communicate(timeout=60)
    if decision == "Approve":
        assert process.returncode == 0, output
        saved = list((tmp_path / "config").rglob("*"))
        assert any("vlk_live_" in path.read_text() for path in saved if path.is_file())
        page.goto("/app/keys/")
        assert page.is_visible("text=device login")
    else:
        assert process.returncode != 0 and "access_denied" in output
