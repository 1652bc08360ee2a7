"""Typed service functions holding the hub's logic; views and CLI commands stay thin.

Every function takes the database ``session`` keyword-only. Functions that change data
commit their own unit of work, writing any audit event in the same transaction; failures
raise the exceptions of :mod:`.errors`, which the app maps to HTTP responses.
"""
