"""CAS sign-in end to end against a CAS server on loopback (real HTTP, python-cas)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.deps import SESSION_COOKIE
from peerpear.models import AuthSession, Identity, IdentityProvider, User
from tests.auth.fake_cas import NS, FakeCas, running_fake_cas
from tests.factories import create_user

SERVICE = "http://test/api/v1/auth/cas/callback"
CALLBACK = "/api/v1/auth/cas/callback"


@pytest.fixture(scope="module")
def cas_server() -> Iterator[FakeCas]:
    with running_fake_cas() as server:
        yield server


@pytest.fixture
def fake_cas(cas_server: FakeCas) -> FakeCas:
    cas_server.tickets.clear()
    cas_server.raw_replies.clear()
    cas_server.validations.clear()
    return cas_server


@pytest.fixture
def settings_overrides(fake_cas: FakeCas) -> dict[str, Any]:
    return {
        "cas_server_url": fake_cas.base_url,
        "cas_service_url": SERVICE,
        "cas_email_domain": "princeton.edu",
    }


async def count(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_login_redirects_to_cas(client: httpx.AsyncClient, fake_cas: FakeCas) -> None:
    resp = await client.get("/api/v1/auth/cas/login")
    assert resp.status_code == 302
    location = urlsplit(resp.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == fake_cas.base_url + "login"
    assert parse_qs(location.query) == {"service": [SERVICE]}

    with_next = await client.get("/api/v1/auth/cas/login", params={"next": "/events/3?x=1"})
    service = parse_qs(urlsplit(with_next.headers["location"]).query)["service"][0]
    assert service == f"{SERVICE}?{urlencode({'next': '/events/3?x=1'})}"

    for unsafe in ("https://evil.example/", "//evil.example/x", "/\\evil"):
        resp = await client.get("/api/v1/auth/cas/login", params={"next": unsafe})
        assert parse_qs(urlsplit(resp.headers["location"]).query) == {"service": [SERVICE]}


async def test_first_sign_in_creates_user_then_reuses_it(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    fake_cas.issue(
        "ST-1", "jdoe", SERVICE, mail="John.Doe@Princeton.EDU", givenName="John", sn="Doe"
    )
    resp = await client.get(CALLBACK, params={"ticket": "ST-1"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["email"] == "john.doe@princeton.edu"
    assert (body["user"]["first_name"], body["user"]["last_name"]) == ("John", "Doe")
    assert resp.headers["set-cookie"].startswith(f"{SESSION_COOKIE}={body['access_token']}")
    # python-cas 3 validated at the CAS 3 endpoint with our service URL.
    assert fake_cas.validations[-1]["path"] == "/cas/p3/serviceValidate"
    assert fake_cas.validations[-1]["service"] == SERVICE

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
    identity = await session.scalar(select(Identity))
    assert identity is not None
    assert (identity.provider, identity.subject) == (IdentityProvider.CAS, "jdoe")
    assert identity.password_hash is None

    fake_cas.issue("ST-2", "jdoe", SERVICE, mail="john.doe@princeton.edu", givenName="Johnny")
    again = await client.get(CALLBACK, params={"ticket": "ST-2"})
    assert again.status_code == 200
    assert again.json()["user"]["id"] == body["user"]["id"]
    assert again.json()["access_token"] != body["access_token"]
    assert await count(session, User) == 1
    assert await count(session, Identity) == 1
    assert await count(session, AuthSession) == 2


async def test_bad_ticket_is_401_and_creates_nothing(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    resp = await client.get(CALLBACK, params={"ticket": "ST-forged"})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthorized"
    assert "set-cookie" not in resp.headers
    assert fake_cas.validations  # it really asked the CAS server

    # A real ticket, but issued for another service, is refused too; and tickets are single use.
    fake_cas.issue("ST-3", "mallory", "http://elsewhere/callback", mail="m@princeton.edu")
    assert (await client.get(CALLBACK, params={"ticket": "ST-3"})).status_code == 401
    fake_cas.issue("ST-4", "alice", SERVICE)
    assert (await client.get(CALLBACK, params={"ticket": "ST-4"})).status_code == 200
    assert (await client.get(CALLBACK, params={"ticket": "ST-4"})).status_code == 401

    missing = await client.get(CALLBACK)
    assert missing.status_code == 401
    assert await count(session, User) == 1  # only alice
    assert await count(session, Identity) == 1


async def test_next_path_redirects_with_cookie(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    service = f"{SERVICE}?{urlencode({'next': '/events/7'})}"
    fake_cas.issue("ST-5", "nextuser", service, mail="n@princeton.edu")
    resp = await client.get(CALLBACK, params={"ticket": "ST-5", "next": "/events/7"})
    assert resp.status_code == 302
    assert resp.headers["location"] == "/events/7"
    token = resp.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]
    me = await client.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert me.json()["email"] == "n@princeton.edu"


async def test_links_existing_local_account(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    local = await create_user(
        session, "ada@princeton.edu", password="a long password", first_name="Ada"
    )
    fake_cas.issue("ST-6", "ada", SERVICE, givenName="Augusta")  # no mail: <id>@domain
    resp = await client.get(CALLBACK, params={"ticket": "ST-6"})
    assert resp.status_code == 200
    assert resp.json()["user"]["id"] == local.id
    assert resp.json()["user"]["first_name"] == "Ada"  # an existing name is kept
    # The CAS identity replaces the unproven local password.
    identities = (
        await session.execute(
            select(Identity.provider, Identity.subject).where(Identity.user_id == local.id)
        )
    ).all()
    assert [tuple(row) for row in identities] == [(IdentityProvider.CAS, "ada")]
    assert await count(session, User) == 1


async def test_squatted_local_account_loses_access_when_the_owner_uses_cas(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    """An attacker who made a local account with the victim's address (before sign-up was
    refused for the CAS domain) keeps neither the password nor the session once the real owner
    signs in with CAS."""
    squatted = await create_user(session, "victim@princeton.edu", password="attacker password")
    attacker = await client.post(
        "/api/v1/auth/login",
        json={"email": "victim@princeton.edu", "password": "attacker password"},
    )
    assert attacker.status_code == 200
    attacker_auth = {"Authorization": f"Bearer {attacker.json()['access_token']}"}
    assert (await client.get("/api/v1/me", headers=attacker_auth)).status_code == 200

    fake_cas.issue("ST-v", "victim", SERVICE, mail="victim@princeton.edu")
    owner = await client.get(CALLBACK, params={"ticket": "ST-v"})
    assert owner.status_code == 200
    assert owner.json()["user"]["id"] == squatted.id

    assert (await client.get("/api/v1/me", headers=attacker_auth)).status_code == 401
    again = await client.post(
        "/api/v1/auth/login",
        json={"email": "victim@princeton.edu", "password": "attacker password"},
    )
    assert again.status_code == 401
    owner_auth = {"Authorization": f"Bearer {owner.json()['access_token']}"}
    assert (await client.get("/api/v1/me", headers=owner_auth)).status_code == 200


async def test_local_sign_up_refused_for_the_cas_domain(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = {"password": "a long password", "first_name": "Eve", "last_name": "X"}
    resp = await client.post("/api/v1/auth/signup", json={"email": "Victim@Princeton.EDU", **body})
    assert resp.status_code == 403
    assert "CAS" in resp.json()["error"]["message"]
    assert await count(session, User) == 0
    other = await client.post("/api/v1/auth/signup", json={"email": "eve@example.org", **body})
    assert other.status_code == 202


async def test_cas_ids_are_case_insensitive(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    fake_cas.issue("ST-c1", "jdoe", SERVICE, mail="jdoe@princeton.edu")
    first = await client.get(CALLBACK, params={"ticket": "ST-c1"})
    assert first.status_code == 200
    fake_cas.issue("ST-c2", " JDoe ", SERVICE, mail="jdoe@princeton.edu")
    again = await client.get(CALLBACK, params={"ticket": "ST-c2"})
    assert again.status_code == 200, again.text
    assert again.json()["user"]["id"] == first.json()["user"]["id"]
    assert list(await session.scalars(select(Identity.subject))) == ["jdoe"]


async def test_identity_stored_before_normalization_is_found(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    old = await create_user(session, "old.id@princeton.edu")
    session.add(Identity(user_id=old.id, provider=IdentityProvider.CAS, subject="OldID"))
    await session.commit()
    fake_cas.issue("ST-c3", "OLDid", SERVICE, mail="someone.else@princeton.edu")
    resp = await client.get(CALLBACK, params={"ticket": "ST-c3"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["user"]["id"] == old.id
    session.expire_all()
    assert list(await session.scalars(select(Identity.subject))) == ["oldid"]


UNREADABLE = {
    "no-namespace": (
        "<serviceResponse><authenticationSuccess><user>jdoe</user>"
        "</authenticationSuccess></serviceResponse>"
    ),
    "success-without-user": (
        f'<cas:serviceResponse xmlns:cas="{NS}"><cas:authenticationSuccess>'
        "<cas:attributes/></cas:authenticationSuccess></cas:serviceResponse>"
    ),
    "empty-document": f'<cas:serviceResponse xmlns:cas="{NS}"/>',
    "not-xml": "<html><body>Service temporarily down",
}


@pytest.mark.parametrize("reply", list(UNREADABLE))
async def test_unreadable_replies_are_503(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas, reply: str
) -> None:
    fake_cas.reply_raw("ST-bad", UNREADABLE[reply])
    resp = await client.get(CALLBACK, params={"ticket": "ST-bad"})
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"]["code"] == "service_unavailable"
    assert "set-cookie" not in resp.headers
    assert await count(session, User) == 0


@pytest.mark.parametrize(
    "mail",
    ["a" * 330 + "@princeton.edu", "x@" + "d" * 320 + ".edu", "not an email", "two@@ats.edu"],
    ids=["long-local-part", "long-domain", "spaces", "two-ats"],
)
async def test_unusable_mail_falls_back_to_the_id(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas, mail: str
) -> None:
    fake_cas.issue("ST-m", "mx12", SERVICE, mail=mail, givenName="G" * 150, sn="S" * 150)
    resp = await client.get(CALLBACK, params={"ticket": "ST-m"})
    assert resp.status_code == 200, resp.text
    user = resp.json()["user"]
    assert user["email"] == "mx12@princeton.edu"
    assert (user["first_name"], user["last_name"]) == ("G" * 100, "S" * 100)


async def test_long_id_without_names(
    client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
) -> None:
    long_id = "u" * 150  # becomes the first name when CAS sends none: capped to the column
    fake_cas.issue("ST-l", long_id, SERVICE)
    resp = await client.get(CALLBACK, params={"ticket": "ST-l"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["user"]["first_name"] == "u" * 100
    assert resp.json()["user"]["email"] == f"{long_id}@princeton.edu"

    fake_cas.issue("ST-l2", "v" * 400, SERVICE)  # longer than any id column: refused
    refused = await client.get(CALLBACK, params={"ticket": "ST-l2"})
    assert refused.status_code == 503
    assert await count(session, User) == 1


class TestCas2WithDisplayName:
    @pytest.fixture
    def settings_overrides(self, fake_cas: FakeCas) -> dict[str, Any]:
        return {
            "cas_server_url": fake_cas.base_url.rstrip("/"),  # trailing slash is optional
            "cas_service_url": SERVICE,
            "cas_email_domain": "princeton.edu",
            "cas_version": "2",
        }

    async def test_cas2_without_mail(
        self, client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
    ) -> None:
        fake_cas.issue("ST-7", "gh123", SERVICE, displayName="Grace Brewster Hopper")
        resp = await client.get(CALLBACK, params={"ticket": "ST-7"})
        assert resp.status_code == 200, resp.text
        user = resp.json()["user"]
        assert user["email"] == "gh123@princeton.edu"
        assert (user["first_name"], user["last_name"]) == ("Grace", "Brewster Hopper")
        assert fake_cas.validations[-1]["path"] == "/cas/serviceValidate"


class TestCasNotConfigured:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"cas_server_url": ""}

    async def test_not_configured(self, client: httpx.AsyncClient) -> None:
        resp = await client.get("/api/v1/auth/cas/login")
        assert resp.status_code == 404
        assert "not configured" in resp.json()["error"]["message"]
        assert (await client.get(CALLBACK, params={"ticket": "x"})).status_code == 404


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestCasServerDown:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"cas_server_url": f"http://127.0.0.1:{_closed_port()}/cas/"}

    async def test_unreachable_is_503(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        resp = await client.get(CALLBACK, params={"ticket": "ST-8"})
        assert resp.status_code == 503
        assert resp.json()["error"]["code"] == "service_unavailable"
        assert await count(session, User) == 0


class TestCasDomainWrittenLoosely:
    """One reading of the domain setting: the fallback email and the sign-up refusal agree."""

    @pytest.fixture
    def settings_overrides(self, fake_cas: FakeCas) -> dict[str, Any]:
        return {
            "cas_server_url": fake_cas.base_url,
            "cas_service_url": SERVICE,
            "cas_email_domain": " @Princeton.EDU ",
        }

    async def test_fallback_email_and_sign_up_refusal_agree(
        self, client: httpx.AsyncClient, session: AsyncSession, fake_cas: FakeCas
    ) -> None:
        fake_cas.issue("ST-d", "dom1", SERVICE)
        resp = await client.get(CALLBACK, params={"ticket": "ST-d"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["user"]["email"] == "dom1@princeton.edu"
        body = {"email": "e@princeton.edu", "password": "a long password", "first_name": "Eve"}
        refused = await client.post("/api/v1/auth/signup", json=body)
        assert refused.status_code == 403
