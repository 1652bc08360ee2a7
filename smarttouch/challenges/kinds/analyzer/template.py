"""The starter solution of an ``analyzer`` challenge that ships no ``public/template``: a class
whose ``analyze`` returns a placeholder of the right type for every declared output."""

from __future__ import annotations

from smarttouch.challenges.bundle import ChallengeBundle

_TYPE_EXAMPLE = {"integer": "0", "number": "0.0", "boolean": "False", "string": '""'}


def starter_files(challenge: ChallengeBundle) -> dict[str, str]:
    """``solution.toml`` and ``solution.py`` of a minimal valid solution (relative path -> text)."""
    fields = "\n".join(
        f'            "{f.name}": {_TYPE_EXAMPLE[f.type]},  # {f.description or f.type}'
        for f in challenge.outputs
    )
    return {
        "solution.toml": (
            f'[solution]\nname = "my solution"\nchallenge = "{challenge.slug}"\n'
            f'kind = "analyzer"\nentrypoint = "solution:Solution"\n'
        ),
        "solution.py": (
            f'"""Solution for {challenge.title}."""\n\n\nclass Solution:\n'
            f"    def analyze(self, recording) -> dict:\n"
            f'        """recording: smarttouch Recording (t s, acc g, gyr deg/s)."""\n'
            f"        return {{\n{fields}\n        }}\n"
        ),
    }
