"""The sign-in endpoints over plain HTTP, against the suite's server (no browser needed)."""

from __future__ import annotations

import httpx

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Server

COOKIE = "credit_report_session"


def sign_in(server: Server, email: str = ORG_EMAIL, password: str = ORG_PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/auth/login", json={"email": email, "password": password}, timeout=30
    )


def test_sign_in_sets_a_signed_http_only_strict_cookie(server: Server) -> None:
    response = sign_in(server, email="  Demo@Example.COM ")
    assert response.status_code == 200
    assert response.json()["email"] == ORG_EMAIL
    header = response.headers["set-cookie"].lower()
    assert header.startswith(f"{COOKIE}=")
    assert "httponly" in header and "samesite=strict" in header and "path=/" in header
    assert "secure" not in header  # plain http here; https requests get Secure
    assert response.headers["cache-control"] == "no-store"


def test_wrong_password_and_unknown_email_get_the_same_answer(server: Server) -> None:
    wrong = sign_in(server, password="wrong-password")
    unknown = sign_in(server, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "INVALID_CREDENTIALS"
    assert "set-cookie" not in wrong.headers


def test_only_json_credentials_are_accepted(server: Server) -> None:
    form = httpx.post(
        f"{server.base_url}/auth/login", data={"email": ORG_EMAIL, "password": ORG_PASSWORD}
    )
    assert form.status_code == 415
    missing = httpx.post(f"{server.base_url}/auth/login", json={"email": ORG_EMAIL})
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "BAD_REQUEST"


def test_the_session_reads_the_report_but_cannot_write(server: Server) -> None:
    cookies = {COOKIE: sign_in(server).cookies[COOKIE]}
    me = httpx.get(f"{server.base_url}/auth/me", cookies=cookies)
    assert me.json()["organizationId"] == "org-serenity"
    read = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": "{ campaigns(first: 1) { totalCount } }"},
        cookies=cookies,
    )
    assert read.json()["data"]["campaigns"]["totalCount"] > 0
    write = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": "mutation { recordMessages(messages: []) { received } }"},
        cookies=cookies,
    )
    assert write.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_tampered_or_missing_cookie_is_not_a_session(server: Server) -> None:
    value = sign_in(server).cookies[COOKIE]
    secret, _, signature = value.partition(".")
    tampered = ("A" if secret[0] != "A" else "B") + secret[1:] + "." + signature
    for cookies in ({COOKIE: tampered}, {COOKIE: "garbage"}, {}):
        assert httpx.get(f"{server.base_url}/auth/me", cookies=cookies).status_code == 401
        answer = httpx.post(
            f"{server.base_url}/graphql",
            json={"query": "{ campaigns(first: 1) { totalCount } }"},
            cookies=cookies,
        ).json()
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_signing_in_again_replaces_the_session(server: Server) -> None:
    first = sign_in(server).cookies[COOKIE]
    again = httpx.post(
        f"{server.base_url}/auth/login",
        json={"email": ORG_EMAIL, "password": ORG_PASSWORD},
        cookies={COOKIE: first},
    )
    second = again.cookies[COOKIE]
    assert second != first
    assert httpx.get(f"{server.base_url}/auth/me", cookies={COOKIE: first}).status_code == 401
    assert httpx.get(f"{server.base_url}/auth/me", cookies={COOKIE: second}).status_code == 200


def test_repeated_failures_for_one_email_are_throttled(server: Server) -> None:
    email = "guessing@example.com"
    answers = [sign_in(server, email=email, password=f"guess-{i}") for i in range(10)]
    assert {a.status_code for a in answers} == {401}
    refused = sign_in(server, email=email.upper(), password="guess-10")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    # Other accounts are not affected.
    assert sign_in(server).status_code == 200
