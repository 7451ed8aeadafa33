"""Password hashing with argon2id (argon2-cffi's defaults follow the RFC 9106 recommendation).

Hashing is deliberately slow (tens of milliseconds of CPU and 64 MiB), so async code uses the
``*_async`` variants, which run it in a worker thread (argon2-cffi releases the GIL) instead of
stalling every other request on the event loop. At most ``MAX_CONCURRENT_HASHES`` of them run
at once per process (per event loop), so a burst of sign-ins queues instead of taking 64 MiB
each and every worker thread.
"""

from __future__ import annotations

import asyncio
import os
import weakref

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


MAX_CONCURRENT_HASHES = max(1, min(4, os.cpu_count() or 1))

# One semaphore per event loop: an asyncio.Semaphore belongs to the loop it first waits on.
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _argon2_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(MAX_CONCURRENT_HASHES)
    return slots


async def hash_password_async(password: str) -> str:
    async with _argon2_slots():
        return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    async with _argon2_slots():
        return await asyncio.to_thread(verify_password, password_hash, password)
