"""The clinic: patients, their plans and devices, session ingest, progress, alerts, the
therapist's caseload and dashboard, reports, and the assignable activity catalogue."""
