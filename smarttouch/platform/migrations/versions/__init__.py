"""Migration scripts, one per schema change, applied in order by ``smarttouch db upgrade``."""
