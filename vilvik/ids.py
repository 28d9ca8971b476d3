"""Random public identifiers and API key secrets."""

import hashlib
import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
API_KEY_PREFIX = "vlk_live_"
API_KEY_RANDOM_LENGTH = 40
API_KEY_DISPLAY_LENGTH = 12


def random_base62(length: int) -> str:
    """A random base62 string: public ids are unguessable and say nothing about order."""
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_submission_id() -> str:
    return random_base62(12)


def new_result_id() -> str:
    return random_base62(10)


def new_api_key_secret() -> str:
    """A secret shown once to its owner and then only ever stored as a hash."""
    return API_KEY_PREFIX + random_base62(API_KEY_RANDOM_LENGTH)


def hash_secret(secret: str) -> str:
    """SHA-256 is enough for high-entropy keys and lets a lookup be one indexed query."""
    return hashlib.sha256(secret.encode()).hexdigest()
