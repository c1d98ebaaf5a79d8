"""The API's pages (config.api.StandardPagination): a short first page is counted from its rows,
and a page of rows with names is counted without the joins of its names."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from care.models import Recipient, Visit
from tests.care.visit_factories import VisitFactory
from tests.factories import RecipientFactory

URL = "/api/v1/recipients/"

pytestmark = pytest.mark.django_db


def counts(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_first_page_shorter_than_a_page_is_counted_from_its_rows(
    coordinator_api: APIClient,
) -> None:
    RecipientFactory.create_batch(4)
    coordinator_api.get(URL)  # the user's roles and permissions, read once per request

    with CaptureQueriesContext(connection) as queries:
        body = coordinator_api.get(URL, {"page_size": 5}).json()

    assert (body["count"], len(body["results"]), body["next"]) == (4, 4, None)
    assert counts(queries) == []


def test_an_empty_list_is_one_empty_first_page(coordinator_api: APIClient) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = coordinator_api.get(URL)

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert counts(queries) == []


def test_a_full_first_page_is_counted_and_shown_from_the_rows_it_read(
    coordinator_api: APIClient,
) -> None:
    RecipientFactory.create_batch(7)

    with CaptureQueriesContext(connection) as queries:
        body = coordinator_api.get(URL, {"page_size": 3}).json()

    assert (body["count"], len(body["results"])) == (7, 3)
    assert body["next"].endswith("page=2&page_size=3")
    assert len(counts(queries)) == 1
    pages = [q for q in queries.captured_queries if "LIMIT 3" in q["sql"]]
    assert len(pages) == 1  # the page's rows were read once


@pytest.mark.parametrize(
    ("page", "ids"), [(2, slice(3, 6)), (3, slice(6, 7)), ("last", slice(6, 7))]
)
def test_later_pages_are_counted_as_before(coordinator_api: APIClient, page, ids) -> None:  # noqa: ANN001
    RecipientFactory.create_batch(7)
    recipients = list(Recipient.objects.order_by("name", "pk"))  # the database's collation

    body = coordinator_api.get(URL, {"page_size": 3, "page": page, "ordering": "name"}).json()

    assert body["count"] == 7
    assert [row["id"] for row in body["results"]] == [r.pk for r in recipients[ids]]


def test_a_page_past_the_last_is_still_a_404(coordinator_api: APIClient) -> None:
    RecipientFactory.create_batch(2)

    assert coordinator_api.get(URL, {"page": 2}).status_code == 404
    assert coordinator_api.get(URL, {"page": "x"}).status_code == 404


def test_the_waiting_visits_are_counted_without_the_joins_their_rows_need_for_names(
    coordinator_api: APIClient,
) -> None:
    # Counting the page's rows (values() with the recipient's, member's and program's names)
    # kept their three joins: a hash join of every waiting visit instead of an index count.
    VisitFactory.create_batch(4)
    VisitFactory(status=Visit.Status.VERIFIED)

    with CaptureQueriesContext(connection) as queries:
        body = coordinator_api.get(
            "/api/v1/visits/", {"status": "submitted", "page_size": 2}
        ).json()

    assert (body["count"], len(body["results"])) == (4, 2)
    [count] = counts(queries)
    assert "JOIN" not in count.upper()


def test_a_filtered_list_of_rows_counts_only_what_the_filters_keep(
    coordinator_api: APIClient,
) -> None:
    kept = RecipientFactory(name="김복순")
    VisitFactory.create_batch(4, recipient=kept)
    VisitFactory.create_batch(3)

    with CaptureQueriesContext(connection) as queries:
        body = coordinator_api.get("/api/v1/visits/", {"recipient": kept.pk, "page_size": 3}).json()

    assert (body["count"], len(body["results"])) == (4, 3)
    assert {row["recipient"] for row in body["results"]} == {kept.pk}
    assert len(counts(queries)) == 1
