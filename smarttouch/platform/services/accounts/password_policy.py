"""The one password policy of the hub: account creation (CLI), the web password change, an
administrator's reset and invitations all call :func:`check_password`.

A password must have at least :data:`MIN_LENGTH` characters (NIST SP 800-63B section 5.1.1.2
asks for 8 at least and recommends allowing long passphrases; 12 resists offline guessing of
a leaked hash far better) and must not be guessable: the zxcvbn estimator (Wheeler, "zxcvbn:
Low-Budget Password Strength Estimation", USENIX Security 2016) scores it against lists of
common passwords, names and words, keyboard patterns, repeats and sequences, and against the
words of the account itself (e-mail, name) and of the hub. Scores run 0-4; :data:`MIN_SCORE`
3 is zxcvbn's "safely unguessable" band (about 10^8 guesses or more). A password that the
estimator builds from those personal words must reach the top score 4 (10^10 guesses), since an
attacker who targets one person starts from exactly those words; one that holds the whole
e-mail name or full name (letters and digits only, any case) is refused outright.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from zxcvbn import zxcvbn

from ..errors import Invalid

MIN_LENGTH = 12
#: Longest password accepted (the login form's limit).
MAX_LENGTH = 256
MIN_SCORE = 3
#: zxcvbn's run time grows quickly with length; it sees this many characters (a longer
#: passphrase is at least as strong as its first 72).
ESTIMATED_CHARS = 72
#: Words of the hub itself that make a password guessable for anyone who knows the site.
HUB_WORDS = (
    "smarttouch",
    "smart",
    "touch",
    "hub",
    "rehab",
    "riabilitazione",
    "therapist",
    "terapista",
    "patient",
    "paziente",
    "developer",
    "admin",
)
_WORD_SPLIT = re.compile(r"[^0-9a-zA-Z\u00c0-\u024f]+")


class PasswordProblem(StrEnum):
    """Why a password was refused (each has its own message on the web page)."""

    too_short = "too_short"
    too_long = "too_long"
    personal = "personal"
    guessable = "guessable"


MESSAGES = {
    PasswordProblem.too_short: f"the password must have at least {MIN_LENGTH} characters",
    PasswordProblem.too_long: f"the password must have at most {MAX_LENGTH} characters",
    PasswordProblem.personal: (
        "the password is built from your name, e-mail address or the hub's name; "
        "choose words that have nothing to do with them"
    ),
    PasswordProblem.guessable: (
        "the password is too common or too easy to guess (a well-known password, a keyboard "
        "pattern, repeats or a sequence); a few unrelated words make a strong one"
    ),
}


class WeakPassword(Invalid):
    """A password the policy refuses; ``problem`` says why."""

    def __init__(self, problem: PasswordProblem) -> None:
        super().__init__(f"password: {MESSAGES[problem]}")
        self.problem = problem


@dataclass(frozen=True)
class Assessment:
    """zxcvbn's score (0-4) and whether the account's or hub's words were part of the guess."""

    score: int
    uses_personal_words: bool


def context_words(*values: str | None) -> list[str]:
    """The account's own words for the estimator: each value whole (e-mail, full name), its
    parts (local part, domain labels, first and last name), neighbouring parts run together
    and the hub's words."""
    words: set[str] = set(HUB_WORDS)
    for value in values:
        if not value:
            continue
        text = value.strip().lower()
        parts = [w for w in _WORD_SPLIT.split(text) if w]
        words.add(text)
        words.update(text.split("@"))
        words.update(w for w in parts if len(w) >= 3)
        words.update(a + b for a, b in zip(parts, parts[1:], strict=False))  # "mariorossi"
    return sorted(w for w in words if w)


def assess(password: str, context: Iterable[str] = ()) -> Assessment:
    """zxcvbn's estimate of ``password`` given the ``context`` words."""
    result = zxcvbn(password[:ESTIMATED_CHARS], user_inputs=list(context))
    personal = any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"])
    return Assessment(int(result["score"]), personal)


def _squashed(text: str) -> str:
    return _WORD_SPLIT.sub("", text).lower()


def password_problem(
    password: str, context: Iterable[str] = (), identity: Iterable[str] = ()
) -> PasswordProblem | None:
    """Why the policy refuses ``password`` (None: it is accepted).

    ``context``: words the estimator treats as known to an attacker; ``identity``: the
    account's e-mail name and full name, which the password must not contain whole."""
    if len(password) < MIN_LENGTH:
        return PasswordProblem.too_short
    if len(password) > MAX_LENGTH:
        return PasswordProblem.too_long
    squashed = _squashed(password)
    if any(len(who) >= 4 and who in squashed for who in map(_squashed, identity)):
        return PasswordProblem.personal
    verdict = assess(password, context)
    needed = MIN_SCORE + 1 if verdict.uses_personal_words else MIN_SCORE
    if verdict.score >= needed:
        return None
    return PasswordProblem.personal if verdict.uses_personal_words else PasswordProblem.guessable


def check_password(password: str, *, email: str | None = None, full_name: str | None = None) -> None:
    """Refuse a password the policy does not accept, for the account with ``email`` and
    ``full_name`` (either may be unknown).

    Raises:
        WeakPassword: too short or long, personal or guessable (the message says which).
    """
    name = full_name or ""
    reversed_name = " ".join(reversed(name.split()))  # "Rossi Mario" as often written
    identity = [v for v in ((email or "").split("@")[0], name, reversed_name) if v]
    problem = password_problem(password, context_words(email, full_name), identity)
    if problem is not None:
        raise WeakPassword(problem)
