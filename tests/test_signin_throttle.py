"""Sign-in is rate limited per address, per account and address, and overall; the limits live
in the database (every app process shares them), cannot be aimed at someone else's account,
count only addresses a trusted proxy names, and say nothing about which accounts exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from starlette.applications import Starlette

from backend.app import create_app
from backend.models import SignInFailure
from backend.settings import Settings
from backend.signin_throttle import SignInLimits, SignInThrottle, address_key
from backend.users import create_user
from tests.factories import ORG, load_hierarchy
from tests.live_server import live_server
from tests.reliability.server import Server

# Small allowances keep the tests quick: each failure costs a full password hash.
LIMITS = SignInLimits(address_failures=4, pair_free_failures=2, global_failures=6)
EMAIL = "owner@example.com"
PASSWORD = "the-right-password"
WRONG = "x" * 12


def _app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings(database_url="unused://")
    return create_app(settings, manage_database=False, sign_in_limits=LIMITS)


@asynccontextmanager
async def _client(app: Starlette, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@asynccontextmanager
async def _live_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a real uvicorn server, configured as `serve` configures it, on this test's
    database; it connects from 127.0.0.1."""
    async with AsyncExitStack() as stack:
        host, port = await stack.enter_async_context(live_server(settings, _app(settings)))
        yield await stack.enter_async_context(httpx.AsyncClient(base_url=f"http://{host}:{port}"))


async def _sign_in(
    client: httpx.AsyncClient, email: str, password: str = WRONG, **headers: str
) -> httpx.Response:
    return await client.post(
        "/auth/login", json={"email": email, "password": password}, headers=headers
    )


async def test_one_address_guessing_many_accounts_is_throttled(db: str) -> None:
    await load_hierarchy()
    await create_user(EMAIL, PASSWORD, ORG, None, None)
    async with _client(_app()) as client:
        answers = [await _sign_in(client, f"guess-{i}@example.com") for i in range(3)]
        answers.append(await _sign_in(client, EMAIL))  # a real account, a wrong password
        refused_unknown = await _sign_in(client, "fresh@example.com")
        refused_known = await _sign_in(client, EMAIL, PASSWORD)
    assert {a.status_code for a in answers} == {401}
    # Unknown accounts and wrong passwords answer alike, and so do their refusals.
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["error"]["code"] == "INVALID_CREDENTIALS"
    for refused in (refused_unknown, refused_known):
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
        assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert refused_unknown.json() == refused_known.json()


async def test_failures_from_one_address_do_not_lock_the_account_for_another(db: str) -> None:
    await load_hierarchy()
    await create_user(EMAIL, PASSWORD, ORG, None, None)
    app = _app()
    async with _client(app, "198.51.100.7") as attacker, _client(app, "203.0.113.9") as owner:
        guesses = [await _sign_in(attacker, EMAIL) for _ in range(LIMITS.pair_free_failures)]
        attacker_locked = await _sign_in(attacker, EMAIL, PASSWORD)
        owner_typo = await _sign_in(owner, EMAIL)
        owner_signed_in = await _sign_in(owner, EMAIL, PASSWORD)
    assert [g.status_code for g in guesses] == [401] * LIMITS.pair_free_failures
    assert attacker_locked.status_code == 429
    assert owner_typo.status_code == 401
    assert owner_signed_in.status_code == 200
    assert owner_signed_in.json()["email"] == EMAIL


async def _age_failures(seconds: float) -> None:
    """Move every recorded failure `seconds` into the past (as if that much time went by)."""
    for failure in await SignInFailure.all():
        failure.failed_at -= timedelta(seconds=seconds)
        await failure.save(update_fields=["failed_at"])


async def test_the_wait_of_an_account_and_address_doubles_up_to_a_ceiling(db: str) -> None:
    limits = SignInLimits(
        pair_free_failures=2,
        pair_first_wait=timedelta(seconds=30),
        pair_longest_wait=timedelta(seconds=100),
    )
    throttle = SignInThrottle(limits)
    waits = []
    for _ in range(limits.pair_free_failures - 1):
        await throttle.failed(EMAIL, "198.51.100.7")
    assert await throttle.retry_after(EMAIL, "198.51.100.7") == 0
    for _ in range(4):
        await throttle.failed(EMAIL, "198.51.100.7")
        wait = await throttle.retry_after(EMAIL, "198.51.100.7")
        waits.append(wait)
        await _age_failures(wait)
        assert await throttle.retry_after(EMAIL, "198.51.100.7") == 0
    assert [round(w, -1) for w in waits] == [30, 60, 100, 100]
    # The same account from elsewhere, and another account from here, are not held back.
    assert await throttle.retry_after(EMAIL, "203.0.113.9") == 0
    assert await throttle.retry_after("other@example.com", "198.51.100.7") == 0


async def test_a_success_clears_its_own_pair_but_not_its_address(db: str) -> None:
    throttle = SignInThrottle(SignInLimits(address_failures=3, pair_free_failures=2))
    for email in (EMAIL, EMAIL, "other@example.com"):
        await throttle.failed(email, "198.51.100.7")
    await throttle.succeeded(EMAIL, "198.51.100.7")
    assert await SignInFailure.filter(address="198.51.100.7").count() == 1
    # Every other address of the same IPv6 /64 is the same address to the throttle.
    assert address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::1")
    assert address_key("::ffff:198.51.100.7") == "198.51.100.7"


async def test_failures_are_forgotten_after_a_day(db: str) -> None:
    throttle = SignInThrottle()
    day_old = datetime.now(UTC) - throttle.limits.memory - timedelta(minutes=1)
    await SignInFailure.create(account_digest="0" * 64, address="192.0.2.1", failed_at=day_old)
    await throttle.failed(EMAIL, "198.51.100.7")
    assert await SignInFailure.all().values_list("address", flat=True) == ["198.51.100.7"]


async def test_the_global_limit_holds_every_address_back(db: str) -> None:
    await load_hierarchy()
    app = _app()
    answers = []
    # Two failures from each of three addresses: no address or pair limit is reached.
    for number in range(LIMITS.global_failures // 2):
        async with _client(app, f"198.51.100.{number + 1}") as client:
            answers += [await _sign_in(client, f"guess-{n}@example.com") for n in range(2)]
    async with _client(app, "203.0.113.9") as newcomer:
        refused = await _sign_in(newcomer, EMAIL)
    assert [a.status_code for a in answers] == [401] * LIMITS.global_failures
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60


async def test_rotating_x_forwarded_for_does_not_change_the_address_counted(db: str) -> None:
    """By default no proxy is trusted: a client on the machine itself (uvicorn's default trusts
    127.0.0.1) cannot name a new address with each guess."""
    await load_hierarchy()
    settings = Settings(database_url="unused://")
    async with _live_client(settings) as client:
        answers = [
            await _sign_in(client, f"guess-{n}@example.com", **{"X-Forwarded-For": f"10.9.{n}.1"})
            for n in range(LIMITS.address_failures + 1)
        ]
    assert [a.status_code for a in answers] == [401] * LIMITS.address_failures + [429]
    assert set(await SignInFailure.all().values_list("address", flat=True)) == {"127.0.0.1"}


async def test_a_trusted_proxy_names_the_address_counted(db: str) -> None:
    await load_hierarchy()
    settings = Settings(database_url="unused://", trusted_proxies=("127.0.0.0/8",))
    forwarded = {"X-Forwarded-For": "203.0.113.5"}
    async with _live_client(settings) as client:
        answers = [
            await _sign_in(client, f"guess-{n}@example.com", **forwarded)
            for n in range(LIMITS.address_failures + 1)
        ]
        elsewhere = await _sign_in(client, "guess@example.com", **{"X-Forwarded-For": "::1"})
    assert [a.status_code for a in answers] == [401] * LIMITS.address_failures + [429]
    assert elsewhere.status_code == 401
    assert set(await SignInFailure.all().values_list("address", flat=True)) == {
        "203.0.113.5",
        address_key("::1"),
    }


async def test_two_server_processes_share_the_failures(database_url: str, tmp_path: Path) -> None:
    """Failures through one `credit-report serve` process hold the next attempt back in another
    on the same database (a throttle in process memory would start from zero there)."""
    first = Server(database_url, tmp_path / "first.log")
    second = Server(database_url, tmp_path / "second.log")
    await first.start()
    try:
        await second.start()
        free = SignInLimits().pair_free_failures
        async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
            answers = [await _sign_in(client, EMAIL) for _ in range(free)]
        async with httpx.AsyncClient(base_url=second.url, timeout=30) as client:
            refused = await _sign_in(client, EMAIL)
    finally:
        await first.stop()
        await second.stop()
    assert [a.status_code for a in answers] == [401] * free
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
