"""Which networks a client address belongs to, for throttling.

Counting by the exact address would let anyone with IPv6 walk around every per-address limit:
one machine is routinely given a whole /64 (2^64 addresses), and a free tunnel broker hands out
a /48. So a client is counted at two granularities:

- its **host**: what one machine or one local network controls outright. An IPv4 address as
  it is (addresses are scarce, and one NAT address already stands for a whole household or
  lecture hall), an IPv6 address by its /64 (the smallest network a site is given: SLAAC and
  privacy addresses change freely within it).
- its **site**: what one customer or organization typically holds. IPv4 by its /24, IPv6 by
  its /48. Unrelated people often share a site (an ISP's address pool, a campus network), so
  it is only ever used together with one account: blocking a site for *that* account does not
  lock its neighbours out of theirs.

An IPv4-mapped IPv6 address (``::ffff:192.0.2.7``, what a dual-stack socket reports for an
IPv4 client) is its IPv4 address. Anything that is not an IP address (a test client's name,
"unknown") is its own host and site.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

HOST_PREFIX = {4: 32, 6: 64}
SITE_PREFIX = {4: 24, 6: 48}


@dataclass(frozen=True)
class ClientNetworks:
    """The networks a client address is counted under, as text (``192.0.2.0/24``...)."""

    host: str
    site: str


def client_networks(address: str) -> ClientNetworks:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ClientNetworks(host=address, site=address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    host = ipaddress.ip_network((ip, HOST_PREFIX[ip.version]), strict=False)
    site = ipaddress.ip_network((ip, SITE_PREFIX[ip.version]), strict=False)
    # An IPv4 host is the bare address, the form uvicorn and every log line use.
    return ClientNetworks(host=str(ip) if ip.version == 4 else str(host), site=str(site))
