"""GET results and submissions: the stored objects, only to their owner, only with the scope."""

import pytest

from ..conftest import bearer
from .test_imports import CURL_BODY


@pytest.fixture()
def imported(client, key):
    return client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(key)).get_json()


def test_an_imported_result_says_so(client, key, imported):
    response = client.get(f"/api/v1/results/{imported['result_id']}", headers=bearer(key))
    assert response.status_code == 200
    result = response.get_json()
    assert result["id"] == imported["result_id"]
    assert result["submission_id"] == imported["id"]
    assert result["imported"] is True and result["badges"] == ["imported"]
    assert result["best_solution"] == CURL_BODY["result"]["best_solution"]
    assert result["best_solution_fitness"] == -0.00059
    assert result["best_solutions_fitness"] == [-4.2, -2.1, -0.8, -0.3, -0.001]
    assert result["generations_completed"] == 100 and result["best_solution_generation"] == 98
    assert result["population"] is None
    assert result["result_url"] == imported["result_url"]
    assert result["created_at"].endswith("+00:00")


def test_an_imported_submission_has_succeeded(client, key, imported):
    response = client.get(f"/api/v1/submissions/{imported['id']}/", headers=bearer(key))
    assert response.status_code == 200
    submission = response.get_json()
    assert submission["id"] == imported["id"]
    assert submission["status"] == "succeeded"
    assert submission["submission_type"] == "import"
    assert submission["result_id"] == imported["result_id"]
    assert submission["result_url"] == imported["result_url"]
    assert submission["status_url"].endswith(f"/api/v1/submissions/{imported['id']}")
    assert submission["code"] == CURL_BODY["code"]
    assert submission["ga_parameters"] == CURL_BODY["ga_parameters"]


@pytest.mark.parametrize("path", ["/api/v1/results/{result_id}", "/api/v1/submissions/{id}"])
def test_another_accounts_objects_are_404(client, make_user, make_key, imported, path):
    stranger = make_key(make_user())
    response = client.get(path.format(**imported), headers=bearer(stranger))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/results/NoSuchThing", "/api/v1/submissions/NoSuchThing12"])
def test_unknown_ids_are_404(client, key, path):
    assert client.get(path, headers=bearer(key)).get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path, scope", [("/api/v1/results/{result_id}", "results:read"),
                                         ("/api/v1/submissions/{id}", "submissions:read")])
def test_reads_demand_their_scope(client, user, make_key, imported, path, scope):
    wrong = make_key(user, scopes=["imports:write"])
    right = make_key(user, scopes=[scope])
    response = client.get(path.format(**imported), headers=bearer(wrong))
    assert response.status_code == 403 and scope in response.get_json()["error"]["message"]
    assert client.get(path.format(**imported), headers=bearer(right)).status_code == 200
