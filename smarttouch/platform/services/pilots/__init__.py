"""Pilots of approved solutions in care (issue #19): creating a pilot, inviting patients with
their consent (:mod:`.pilots`), the outcomes computed from sessions (:mod:`.outcomes`), the
interim safety check (:mod:`.safety`) and the FHIR ResearchStudy export (:mod:`.export`).
See docs/pilots.md."""
