"""The GraphiQL explorer at GET /graphql works with no network beyond the app."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Offline, Server, screenshot
from tests.browser.helpers import sign_in

QUERY = "{ viewer { organization { name timezone } } campaigns(first: 3) { totalCount } }"


def test_graphiql_loads_and_runs_a_query_offline(
    page: Page, server: Server, offline: Offline
) -> None:
    # Signed in to the web app, the explorer runs as the user with no header to paste.
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server.base_url}/graphql?q={quote(QUERY)}")
    expect(page.locator(".graphiql-container .graphiql-query-editor")).to_be_visible()
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".graphiql-response .CodeMirror")
    expect(result).to_contain_text('"timezone": "Asia/Kolkata"')
    text = result.evaluate("element => element.CodeMirror.getValue()")
    expected = server.graphql(QUERY)
    assert json.loads(text) == {"data": expected}
    screenshot(page, "graphiql")
    assert offline.attempted == []
    assert all(url.startswith(server.base_url) for url in requests), requests
    # Headers (where integrators paste tokens) are not kept in the browser.
    assert page.evaluate("localStorage.getItem('graphiql:headers')") is None


def test_graphiql_without_a_session_reports_the_need_to_authenticate(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.base_url}/graphql?q={quote(QUERY)}")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text("UNAUTHENTICATED")


def test_graphiql_leads_back_to_the_app_and_fits_a_phone(
    sized_page: Callable[[int, int], Page], server: Server
) -> None:
    page = sized_page(390, 844)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    page.goto(f"{server.base_url}/graphql?q={quote(QUERY)}")
    expect(page.locator(".graphiql-query-editor")).to_be_visible()
    # The page follows the phone's width, the answer below the query.
    assert page.evaluate("document.documentElement.clientWidth") == 390
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text("Asia/Kolkata")
    editor = page.locator(".graphiql-editors").bounding_box()
    response = page.locator(".graphiql-response").bounding_box()
    assert editor and response
    assert response["y"] >= editor["y"] + editor["height"] - 1
    assert response["width"] > 250 and editor["width"] > 250
    screenshot(page, "graphiql-phone")
    back = page.get_by_role("link", name="Credit consumption")
    expect(back).to_have_attribute("href", "/")
    back.click()
    expect(page.locator("cr-report")).to_be_visible()
