"""Password hashing with argon2id (argon2-cffi's defaults follow the RFC 9106 recommendation).

Hashing is deliberately slow (tens of milliseconds of CPU and 64 MiB), so async code uses the
``*_async`` variants, which run it in a worker thread (argon2-cffi releases the GIL) instead of
stalling every other request on the event loop.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# Verified against when the account does not exist, so an unknown email costs the same time as a
# wrong password and response timing does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash("peerpear-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always does the argon2 work, even without a hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's; rehash on next login."""
    return _hasher.check_needs_rehash(password_hash)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
