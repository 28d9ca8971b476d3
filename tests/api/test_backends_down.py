"""With Redis unreachable, answers are a clear 503 and nothing is stored."""

import pytest

from vilvik import create_app
from vilvik.models import Submission

from ..conftest import bearer, count_rows
from .test_imports import CURL_BODY


@pytest.fixture()
def app_without_redis(app, tmp_path):
    """The same database as ``app``, with a Redis URL where nothing listens.

    Extensions are process-wide objects bound to the last app built, so a test talks to
    ``app`` before it asks for this one.
    """
    return lambda: create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x",
                       "REDIS_URL": f"unix://{tmp_path}/nothing.sock"}, instance_path=str(tmp_path / "other"))


def test_health_is_503_naming_redis(app_without_redis):
    response = app_without_redis().test_client().get("/api/v1/health")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert error["details"]["database"] == "ok"
    assert error["details"]["redis"].startswith("unavailable")


def test_an_import_is_503_and_stores_nothing(app, app_without_redis, key):
    response = app_without_redis().test_client().post("/api/v1/imports/", json=CURL_BODY, headers=bearer(key))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"].isdigit()
    assert count_rows(app, Submission) == 0


def test_reads_keep_working(app, app_without_redis, client, key):
    created = client.post("/api/v1/imports/", json=CURL_BODY, headers=bearer(key)).get_json()
    response = app_without_redis().test_client().get(f"/api/v1/results/{created['result_id']}", headers=bearer(key))
    assert response.status_code == 200
