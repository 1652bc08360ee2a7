"""Password hashing with argon2id (argon2-cffi).

``default`` uses RFC 9106's low-memory recommendation (t=3, m=64 MiB, p=4); ``fast`` is the
cheapest argon2id setting, for tests only. Verification reads the parameters from the hash,
so hashes made under either profile verify under both.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

PROFILES = {"default": profiles.RFC_9106_LOW_MEMORY, "fast": profiles.CHEAPEST}


@cache
def hasher(profile: str = "default") -> PasswordHasher:
    try:
        return PasswordHasher.from_parameters(PROFILES[profile])
    except KeyError:
        raise ValueError(f"unknown password profile {profile!r}; expected {', '.join(PROFILES)}") from None


def hash_password(password: str, profile: str = "default") -> str:
    return hasher(profile).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a wrong password or a malformed hash."""
    try:
        return hasher("default").verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, profile: str = "default") -> bool:
    return hasher(profile).check_needs_rehash(password_hash)


@cache
def dummy_hash(profile: str = "default") -> str:
    """A hash to verify against when the account does not exist (equal timing)."""
    return hash_password("smarttouch-no-such-account", profile)
