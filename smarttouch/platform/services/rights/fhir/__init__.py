"""HL7 FHIR R4B: the pure mapping of hub rows to resources (:mod:`.mapping`) and the code
systems it uses (:mod:`.codes`). No Flask and no database: :mod:`..fhir_export` loads the rows."""
