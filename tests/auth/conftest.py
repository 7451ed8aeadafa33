"""Fixtures of the sign-in tests (helpers in ``tests/auth/throttling.py``)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from peerpear.auth import throttle
from tests.auth.throttling import ClientAt, Clock, clients_at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The throttle's clock, frozen until the test moves it."""
    fake = Clock()
    monkeypatch.setattr(throttle, "utcnow", fake)
    return fake


@pytest.fixture
def client_at(app: FastAPI) -> ClientAt:
    """Clients whose requests come from the given client address."""
    return clients_at(app)
