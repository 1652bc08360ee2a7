"""Accounts: users and passwords, personal API tokens, bearer-token hashing, login throttling,
and the admin's search of the audit trail."""
