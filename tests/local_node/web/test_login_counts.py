"""The sign-in back-off is the node's, not each serving process's: its counts live in the
database every process (`--workers`, the full cloud's API tasks) shares."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from local_node.db.engine import make_engine
from local_node.db.tables import LoginFailure
from local_node.web.login_counts import SqlLoginCounts, key_hash
from sync_protocol.login_limiter import LoginLimiter, LoginThrottled
from tests.local_node.conftest import RunningNode
from tests.local_node.web.conftest import WebClient, add_user

ADDRESS = "198.51.100.7"
NOW = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)


@pytest.fixture
def limiter(engine: Engine, database_url: str) -> Iterator[Callable[..., LoginLimiter]]:
    """``limiter()``: one serving process's limiter, with its own engine (own connections) on
    the shared database."""
    engines: list[Engine] = []

    def make(clock: Callable[[], datetime] = lambda: NOW) -> LoginLimiter:
        own = make_engine(database_url)
        engines.append(own)
        return LoginLimiter(
            max_failures=5, window_s=900, clock=clock, shared=SqlLoginCounts(lambda: own)
        )

    yield make
    for own in engines:
        own.dispose()


def admitted(limiter: LoginLimiter, username: str = "ann") -> bool:
    try:
        limiter.begin(ADDRESS, username)
    except LoginThrottled:
        return False
    return True


def test_failures_at_one_serving_process_slow_the_guesser_at_another(
    node_factory: Callable[..., RunningNode],
) -> None:
    first = node_factory()
    second = node_factory()  # another app on the same database: another worker
    add_user(first, "ann", "admin")
    clients = [WebClient(base_url=n.url, timeout=30) for n in (first, second)]
    for client in clients:
        client.page("/sign-in")
    guess = {"username": "ann", "password": "guess", "next": "/"}
    codes = [clients[i % 2].form("/sign-in", guess).status_code for i in range(6)]
    assert codes == [401] * 5 + [429]  # 3 failures at each: alone, neither would refuse yet
    for client in clients:
        client.close()


def test_attempts_at_once_from_several_processes_admit_only_the_free_ones(
    limiter: Callable[..., LoginLimiter],
) -> None:
    processes = [limiter() for _ in range(12)]
    start = threading.Barrier(len(processes))
    results: list[bool] = []

    def attempt(own: LoginLimiter) -> None:
        start.wait()
        results.append(admitted(own))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in processes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [False] * 7 + [True] * 5


def test_a_right_password_takes_its_attempt_back_and_forgets_the_username(
    engine: Engine, limiter: Callable[..., LoginLimiter]
) -> None:
    one = limiter()
    for _ in range(3):
        assert admitted(one)
    one.succeeded(ADDRESS, "ann")
    with engine.connect() as conn:
        kinds = conn.execute(select(LoginFailure.kind, LoginFailure.failures)).all()
    assert sorted(kinds) == [("address", 2)]  # the attempt taken back, the username forgotten


def test_addresses_and_usernames_are_stored_only_as_digests(
    engine: Engine, limiter: Callable[..., LoginLimiter]
) -> None:
    admitted(limiter(), "ann@example.com")
    with engine.connect() as conn:
        stored = set(conn.execute(select(LoginFailure.key_hash)).scalars())
    assert stored == {key_hash("address", ADDRESS), key_hash("user", "ann@example.com")}


def test_forgotten_counts_leave_the_table(
    engine: Engine, limiter: Callable[..., LoginLimiter]
) -> None:
    now = [NOW]
    limits = limiter(clock=lambda: now[0])
    admitted(limits, "ann")
    now[0] += timedelta(hours=1)  # past the window: forgotten
    admitted(limits, "bob")
    with engine.connect() as conn:
        stored = set(conn.execute(select(LoginFailure.key_hash)).scalars())
    assert stored == {key_hash("address", ADDRESS), key_hash("user", "bob")}
    with engine.connect() as conn:
        failures = conn.execute(
            select(LoginFailure.failures).where(LoginFailure.kind == "address")
        ).scalar_one()
    assert failures == 1  # the address's old failure went with the window
