"""A small CAS server on loopback for end-to-end tests of the CAS sign-in.

It speaks the validation half of the CAS protocol over real HTTP: ``/serviceValidate`` (CAS 2)
and ``/p3/serviceValidate`` (CAS 3) answer the XML success document (with attributes) for a
ticket it issued for that exact service URL, once, and the failure document otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

NS = "http://www.yale.edu/tp/cas"


@dataclass
class Ticket:
    user: str
    service: str
    attributes: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass
class FakeCas:
    base_url: str = ""
    tickets: dict[str, Ticket] = field(default_factory=dict)
    # Tickets answered with a fixed body instead (to test replies a broken CAS server sends).
    raw_replies: dict[str, str] = field(default_factory=dict)
    validations: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, ticket: str, user: str, service: str, **attributes: str | list[str]) -> str:
        with self._lock:
            self.tickets[ticket] = Ticket(user, service, attributes)
        return ticket

    def reply_raw(self, ticket: str, body: str) -> str:
        """Answer the validation of ``ticket`` with ``body`` as is, once."""
        with self._lock:
            self.raw_replies[ticket] = body
        return ticket

    def redeem(self, ticket: str, service: str) -> Ticket | None:
        """The ticket's principal if it was issued for ``service``; a ticket is single use."""
        with self._lock:
            found = self.tickets.pop(ticket, None)
        return found if found is not None and found.service == service else None


def success_xml(ticket: Ticket) -> str:
    attrs = "".join(
        f"<cas:{name}>{escape(v)}</cas:{name}>"
        for name, value in ticket.attributes.items()
        for v in (value if isinstance(value, list) else [value])
    )
    return (
        f'<cas:serviceResponse xmlns:cas="{NS}"><cas:authenticationSuccess>'
        f"<cas:user>{escape(ticket.user)}</cas:user>"
        f"<cas:attributes>{attrs}</cas:attributes>"
        "</cas:authenticationSuccess></cas:serviceResponse>"
    )


def failure_xml(ticket: str) -> str:
    return (
        f'<cas:serviceResponse xmlns:cas="{NS}">'
        '<cas:authenticationFailure code="INVALID_TICKET">'
        f"Ticket {escape(ticket)} not recognized"
        "</cas:authenticationFailure></cas:serviceResponse>"
    )


def _handler(state: FakeCas) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path not in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
                self.send_error(404)
                return
            state.validations.append({"path": url.path, **query})
            with state._lock:
                raw = state.raw_replies.pop(query.get("ticket", ""), None)
            if raw is not None:
                body = raw
            else:
                ticket = state.redeem(query.get("ticket", ""), query.get("service", ""))
                body = success_xml(ticket) if ticket else failure_xml(query.get("ticket", ""))
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_fake_cas() -> Iterator[FakeCas]:
    """Serve a FakeCas on a free loopback port; its ``base_url`` ends in ``/cas/``."""
    state = FakeCas()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/cas/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
