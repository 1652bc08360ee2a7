"""The demo: seeding users, patients, weeks of synthetic sessions and the built-in challenges."""
