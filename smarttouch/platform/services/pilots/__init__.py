"""Pilots of approved solutions in care (issue #19): creating a pilot (:mod:`.pilots`),
inviting patients with their consent (:mod:`.enrolment`), the outcomes computed from sessions
(:mod:`.outcomes`, built from :mod:`.counted_sessions`, :mod:`.patient_figures`,
:mod:`.adherence`, :mod:`.arm_figures`, :mod:`.comparison` and :mod:`.method`), the interim
safety check (:mod:`.safety`) and the FHIR ResearchStudy export (:mod:`.export`).
See docs/pilots.md."""
