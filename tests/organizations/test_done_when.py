"""Issue 4's "done when", through the API alone: sign up, create an organization, a second user
requests admin, the owner approves, the new admin cannot manage members, the last owner cannot
leave."""

from __future__ import annotations

import httpx

from tests.factories import sign_up_and_in

API = "/api/v1"


async def test_done_when_scenario(client: httpx.AsyncClient) -> None:
    olivia = await sign_up_and_in(client, "olivia@example.edu", "Olivia")
    created = await client.post(
        f"{API}/organizations",
        json={"name": "Big Sibs", "description": "Big/little pairings"},
        headers=olivia,
    )
    assert created.status_code == 201, created.text
    org_id = created.json()["id"]
    assert created.json()["my_role"] == "owner"

    sam = await sign_up_and_in(client, "sam@example.edu", "Sam")
    joinable = (await client.get(f"{API}/organizations/joinable", headers=sam)).json()
    assert [o["id"] for o in joinable["items"]] == [org_id]
    assert (await client.get(f"{API}/organizations/{org_id}", headers=sam)).status_code == 404
    asked = await client.post(
        f"{API}/organizations/{org_id}/admin-requests",
        json={"message": "I organised this last year"},
        headers=sam,
    )
    assert asked.status_code == 201, asked.text

    pending = await client.get(
        f"{API}/organizations/{org_id}/admin-requests",
        params={"status": "pending"},
        headers=olivia,
    )
    assert pending.status_code == 200
    [request] = pending.json()["items"]
    assert request["requester"]["email"] == "sam@example.edu"
    assert request["requester"]["first_name"] == "Sam"
    approved = await client.post(f"{API}/admin-requests/{request['id']}/approve", headers=olivia)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    # Sam is an admin now: sees the organization and its members ...
    mine = (await client.get(f"{API}/organizations", headers=sam)).json()
    assert [(o["id"], o["my_role"]) for o in mine["items"]] == [(org_id, "admin")]
    roster = await client.get(f"{API}/organizations/{org_id}/members", headers=sam)
    assert roster.status_code == 200
    members = {m["email"]: m["role"] for m in roster.json()["items"]}
    assert members == {"olivia@example.edu": "owner", "sam@example.edu": "admin"}
    olivia_id = next(
        m["user_id"] for m in roster.json()["items"] if m["email"] == "olivia@example.edu"
    )
    # ... but cannot manage members.
    promote = await client.patch(
        f"{API}/organizations/{org_id}/members/{olivia_id}", json={"role": "admin"}, headers=sam
    )
    assert promote.status_code == 403
    remove = await client.delete(f"{API}/organizations/{org_id}/members/{olivia_id}", headers=sam)
    assert remove.status_code == 403
    requests = await client.get(f"{API}/organizations/{org_id}/admin-requests", headers=sam)
    assert requests.status_code == 403

    # The last owner cannot leave.
    leave = await client.post(f"{API}/organizations/{org_id}/leave", headers=olivia)
    assert leave.status_code == 409
    assert "at least one owner" in leave.json()["error"]["message"]
    still = await client.get(f"{API}/organizations/{org_id}", headers=olivia)
    assert still.status_code == 200 and still.json()["my_role"] == "owner"
