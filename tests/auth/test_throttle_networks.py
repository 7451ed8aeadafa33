"""Sign-in throttling by network: an IPv6 /64 is one host, an IPv4 /24 or IPv6 /48 one site.

Changing one's address within a /64 (or a /48) must not buy fresh attempts, and the account-wide
ceiling, the one rule that also stops the owner, counts sites rather than failures, so one
person with an IPv6 block cannot lock someone else's account.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.client_networks import ClientNetworks, client_networks
from tests.auth.throttling import PASSWORD, WRONG, ClientAt, Clock, counter, login, retry_after
from tests.factories import create_user


@pytest.mark.parametrize(
    ("address", "host", "site"),
    [
        ("2001:db8::1", "2001:db8::/64", "2001:db8::/48"),
        ("2001:db8:0:0:ffff:1:2:3", "2001:db8::/64", "2001:db8::/48"),
        ("2001:db8:0:7::1", "2001:db8:0:7::/64", "2001:db8::/48"),
        ("2001:db8:5::1", "2001:db8:5::/64", "2001:db8:5::/48"),
        ("fe80::1%eth0", "fe80::/64", "fe80::/48"),
        ("::ffff:198.51.100.7", "198.51.100.7", "198.51.100.0/24"),
        ("198.51.100.7", "198.51.100.7", "198.51.100.0/24"),
        ("testclient", "testclient", "testclient"),
    ],
)
def test_client_networks(address: str, host: str, site: str) -> None:
    assert client_networks(address) == ClientNetworks(host=host, site=site)


async def test_rotating_through_a_slash_64_is_one_host(
    client_at: ClientAt, session: AsyncSession, clock: Clock
) -> None:
    """The reviewer's attack: 100 wrong passwords from 2001:db8::1..100 were all checked (every
    address a fresh pair) and then locked the account for its owner."""
    await create_user(session, "six@example.edu", password=PASSWORD)
    statuses = []
    for n in range(1, 101):
        async with client_at(f"2001:db8::{n:x}") as guesser:
            statuses.append((await login(guesser, "six@example.edu", WRONG)).status_code)
    assert statuses[:3] == [401] * 3  # the free failures of the one /64
    assert set(statuses[3:]) == {429}
    async with client_at("2001:db8::ffff") as same_host:  # the guesser, still waiting
        assert retry_after(await login(same_host, "six@example.edu", PASSWORD)) == 1
    async with client_at("2001:db8:1::5") as owner:  # another network
        assert (await login(owner, "six@example.edu", PASSWORD)).status_code == 200


async def test_an_ipv4_mapped_address_is_its_ipv4_address(
    client_at: ClientAt, session: AsyncSession, clock: Clock
) -> None:
    await create_user(session, "mapped@example.edu", password=PASSWORD)
    for address in ("198.51.100.7", "::ffff:198.51.100.7", "198.51.100.7"):
        async with client_at(address) as guesser:
            assert (await login(guesser, "mapped@example.edu", WRONG)).status_code == 401
    async with client_at("::ffff:198.51.100.7") as guesser:
        assert retry_after(await login(guesser, "mapped@example.edu", WRONG)) == 1


class TestSiteCeiling:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "login_failures_before_delay": 3,
            "login_max_failures_per_network": 6,
            "login_max_networks_per_account": 3,
            "login_lockout_seconds": 60,
        }

    @pytest.mark.parametrize(
        "host_in_site",
        [
            pytest.param(lambda n: f"2001:db8:0:{n:x}::1", id="ipv6-64s-in-one-48"),
            pytest.param(lambda n: f"198.51.100.{n + 1}", id="ipv4-addresses-in-one-24"),
        ],
    )
    async def test_many_hosts_of_one_site_get_its_limit_and_lock_nothing_else(
        self,
        client_at: ClientAt,
        session: AsyncSession,
        clock: Clock,
        host_in_site: Any,
    ) -> None:
        """Without the site rule, every /64 of a /48 (65,536 of them) had its own free tries
        at the account, and their failures locked the account for its owner."""
        await create_user(session, "site@example.edu", password=PASSWORD)
        await create_user(session, "neighbour@example.edu", password=PASSWORD)
        statuses = []
        for n in range(20):  # twenty hosts of one site, one failure each: no host is delayed
            async with client_at(host_in_site(n)) as guesser:
                statuses.append((await login(guesser, "site@example.edu", WRONG)).status_code)
        assert statuses == [401] * 6 + [429] * 14
        async with client_at(host_in_site(99)) as same_site:
            # Blocked for this account only: a neighbour in the site signs into theirs.
            assert retry_after(await login(same_site, "site@example.edu", PASSWORD)) == 60
            assert (await login(same_site, "neighbour@example.edu", PASSWORD)).status_code == 200
        # The whole site counted once against the account, which is not locked.
        assert await counter(session, "email:site@example.edu") == (1, None)
        async with client_at("203.0.113.20") as owner:
            assert (await login(owner, "site@example.edu", PASSWORD)).status_code == 200


class TestAccountCeiling:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "login_failures_before_delay": 3,
            "login_max_failures_per_network": 5,
            "login_max_networks_per_account": 6,
            "login_max_failures_per_address": 30,
            "login_lockout_seconds": 60,
        }

    async def test_below_the_ceiling_the_owner_gets_in_from_another_network(
        self, client_at: ClientAt, session: AsyncSession, clock: Clock
    ) -> None:
        await create_user(session, "below@example.edu", password=PASSWORD)
        for n in range(5):  # five sites, each up to its own limit: 25 failures in all
            for host in range(5):
                async with client_at(f"198.51.{n}.{host + 1}") as guesser:
                    assert (await login(guesser, "below@example.edu", WRONG)).status_code == 401
        assert await counter(session, "email:below@example.edu") == (5, None)
        async with client_at("2001:db8:1::5") as owner:
            assert (await login(owner, "below@example.edu", PASSWORD)).status_code == 200

    async def test_failures_from_enough_sites_still_lock(
        self, client_at: ClientAt, session: AsyncSession, clock: Clock
    ) -> None:
        await create_user(session, "spread@example.edu", password=PASSWORD)
        for n in range(6):  # failures from six sites (a site's second one counts no more)
            async with client_at(f"198.51.{n}.7") as guesser:
                for _ in range(2 if n < 5 else 1):
                    assert (await login(guesser, "spread@example.edu", WRONG)).status_code == 401
        async with client_at("203.0.113.20") as owner:
            # The ceiling is what it is for: the owner, from a new network, is locked out too.
            assert retry_after(await login(owner, "spread@example.edu", PASSWORD)) == 60
            assert await counter(session, "email:spread@example.edu") == (
                6,
                clock.now + timedelta(seconds=60),
            )
            clock.advance(60)
            assert (await login(owner, "spread@example.edu", PASSWORD)).status_code == 200

    async def test_concurrent_guesses_from_many_sites_all_count(
        self, client_at: ClientAt, session: AsyncSession, clock: Clock
    ) -> None:
        """No free tries from racing: exactly ``login_max_networks_per_account`` of ten
        concurrent guesses (from ten sites) have the password checked."""
        await create_user(session, "race@example.edu", password=PASSWORD)

        async def guess(n: int) -> int:
            async with client_at(f"198.51.{n}.1") as guesser:
                return (await login(guesser, "race@example.edu", WRONG)).status_code

        statuses = sorted(await asyncio.gather(*(guess(n) for n in range(10))))
        assert statuses == [401] * 6 + [429] * 4

    async def test_a_new_window_starts_after_the_old_one(
        self, client_at: ClientAt, session: AsyncSession, clock: Clock
    ) -> None:
        await create_user(session, "win@example.edu", password=PASSWORD)
        for n in range(5):
            async with client_at(f"198.51.{n}.1") as guesser:
                assert (await login(guesser, "win@example.edu", WRONG)).status_code == 401
        clock.advance(61)  # those five are outside the window: five more do not lock it
        for n in range(5):
            async with client_at(f"198.51.{n}.1") as guesser:
                assert (await login(guesser, "win@example.edu", WRONG)).status_code == 401
        async with client_at("203.0.113.20") as owner:
            assert (await login(owner, "win@example.edu", PASSWORD)).status_code == 200
