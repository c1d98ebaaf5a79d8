"""The API docs in a real browser on a closed network: every request to a host other than
this server is cut, and Swagger UI still draws the operations and the token help."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import pass_login
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LOCAL_HOSTS = {"localhost", "127.0.0.1"}


def test_swagger_ui_draws_the_operations_with_every_outside_request_cut(
    context: Any, server_url: str
) -> None:
    # given: a coordinator, and a browser that reaches nothing but this server
    user = UserFactory(username="apidocs", roles=["coordinator"])
    cut: list[str] = []

    def closed_network(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            cut.append(route.request.url)
            route.abort()

    context.route("**/*", closed_network)
    page = context.new_page()

    # when: they log in on the way to the docs
    page.goto(f"{server_url}/api/v1/docs/")
    pass_login(page, server_url, user.username, PASSWORD)

    # then: Swagger UI lists the operations, below the token help
    expect(page.locator("#api-help-title")).to_have_text("API 토큰 받기")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("전북 돌봄 운영 API")
    # A schema this size is drawn as a virtual list (only the operations near the viewport are
    # in the page): scroll through it, collecting the paths drawn, until the token's has shown
    # and more than twenty others.
    expect(page.locator(".opblock-tag").first).to_be_visible(timeout=60_000)
    seen: set[str] = set()
    for _screen in range(80):
        seen.update(page.locator(".opblock-summary-path").all_inner_texts())
        if "/api/v1/auth/token/" in seen and len(seen) > 20:
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(150)
    assert "/api/v1/auth/token/" in seen
    assert len(seen) > 20
    assert cut == []
