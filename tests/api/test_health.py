"""GET /api/v1/health: no authentication, reports the database and Redis."""


def test_health_reports_both_backends(client):
    response = client.get("/api/v1/health/")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
