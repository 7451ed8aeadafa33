"""CSRF tokens for the console's forms: an HMAC of a per-browser value under the app's secret.

A form carries the token in a hidden field and every console POST recomputes it (SameSite alone
is not relied on: it depends on the browser, and a sibling subdomain counts as same-site).

What the token is bound to:

- signed in: the session token itself (``peerpear_session``), so a token is worth nothing
  without the cookie it was made for and dies with the session;
- before sign-in: a random nonce in a short-lived cookie (``peerpear_csrf``), the signed form of
  the double-submit cookie: an attacker who can plant a cookie for our site still cannot make
  the matching token without the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "peerpear_csrf"
CSRF_FIELD = "csrf_token"
NONCE_MAX_AGE_SECONDS = 2 * 3600  # long enough to fill in a sign-in form
# Kept apart from any other use of the secret key (session tokens are random, not derived).
_PURPOSE = b"peerpear console csrf v1\x00"


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def token_for(secret_key: str, binding: str) -> str:
    """The token forms bound to ``binding`` (a session token or a nonce) must carry."""
    digest = hmac.new(secret_key.encode(), _PURPOSE + binding.encode(), hashlib.sha256)
    return digest.hexdigest()


def is_valid(secret_key: str, binding: str | None, submitted: object) -> bool:
    """Whether ``submitted`` (a form field's value, possibly missing) is the token of
    ``binding``; compared in constant time."""
    if not binding or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(token_for(secret_key, binding), submitted)
