"""Challenge kinds: one folder per kind, one :class:`~.spec.KindSpec` per folder.

A kind (``analyzer``, ``game``) is everything that differs between kinds of challenge: the
trusted evaluator (:mod:`.evaluator` is the shared base), the harness that runs a solution
inside the sandbox, the outputs its harness measures itself, the starter template, what a
reviewer's approval makes of a solution, and its display name. ``kinds/<name>/__init__.py``
declares ``KIND = KindSpec(...)``; :mod:`.registry` finds the folders, and every list of kinds
(bundle validation, solution manifests, evaluation, the runner, starter kits, the hub's review
and labels) is read from it. Adding a kind is adding a folder.
"""
