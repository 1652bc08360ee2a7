"""Patients' data rights: access and portability archives, FHIR export, erasure, and donation
of consented sessions to challenges."""
