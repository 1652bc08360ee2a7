"""Challenges: bundles, solution plugins, sandboxed evaluation, the evaluation queue.

The rehabilitation world poses a *challenge* (a bundle: ``challenge.toml``, a public and a
hidden split), developers answer with *solutions* (a folder or zip with ``solution.toml``),
and the hub evaluates them in a bubblewrap sandbox on the hidden data with trusted scoring.

Modules: :mod:`.bundle` (load/validate bundles), :mod:`.solution` and :mod:`.archive` (safe
staging, sha256 identity), :mod:`.sandbox` and :mod:`.runner` (isolation), :mod:`.kinds`
(kinds registry), :mod:`.evaluation` (one evaluation end to end), :mod:`.jobs` and
:mod:`.jobqueue` (huey queue, leases), :mod:`.builtin` (simulator-generated challenges), :mod:`.leaderboard` (ranking, caps),
:mod:`.starter_kit`, :mod:`.catalog`, :mod:`.cli`.
"""
