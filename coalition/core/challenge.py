"""A self-hosted challenge for public forms: proof of work, or a question without JavaScript.

No third-party captcha: a signer's address never goes to an outside company. Each
form carries a signed challenge (random salt, difficulty, a small sum). The page's
script finds a number `n` such that SHA-256("<challenge>:<n>") starts with `bits` zero
bits (about 2**bits tries, a second or so in a browser; one hash for the server to
check). Without JavaScript the person answers the sum instead. A challenge expires,
and is accepted once (the cache remembers the used ones), so one solution cannot be
replayed for a thousand submissions.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "coalition.core.challenge"


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    question: str


def _leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def challenge_issue(*, scope: str) -> Challenge:
    bits = settings.COALITION_CHALLENGE_BITS
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"s": secrets.token_hex(12), "c": scope, "b": bits, "a": a + b}, salt=SALT)
    return Challenge(token=token, bits=bits, question=f"{a} + {b}")


def challenge_solve(token: str, bits: int) -> str:
    """What the page's script does, for tests and the benchmark's clients."""
    n = 0
    while _leading_zero_bits(hashlib.sha256(f"{token}:{n}".encode()).digest()) < bits:
        n += 1
    return str(n)


def challenge_answer(token: str) -> str:
    """The sum's answer, for tests (a person reads the question on the page)."""
    return str(signing.loads(token, salt=SALT)["a"])


def challenge_verify(*, token: str, solution: str = "", answer: str = "", scope: str) -> bool:
    """True once for a genuine, fresh challenge of `scope` that was solved or answered."""
    if not token or len(token) > 300 or len(solution) > 20 or len(answer) > 10:
        return False
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.COALITION_CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        return False
    if not isinstance(payload, dict) or payload.get("c") != scope:
        return False
    solved = False
    if solution.isdigit():
        digest = hashlib.sha256(f"{token}:{solution}".encode()).digest()
        solved = _leading_zero_bits(digest) >= int(payload.get("b", 0))
    if not solved and answer.strip().isdigit():
        solved = int(answer.strip()) == payload.get("a")
    if not solved:
        return False
    used_key = "challenge-used:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return cache.add(used_key, 1, timeout=settings.COALITION_CHALLENGE_MAX_AGE)
