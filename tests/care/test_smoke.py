import pytest


@pytest.mark.django_db
def test_coordinator_lists_recipients(coordinator_api, caregiver) -> None:
    response = coordinator_api.get("/api/v1/recipients/")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1
