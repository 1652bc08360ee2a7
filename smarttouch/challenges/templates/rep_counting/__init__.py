"""Starter solution of the rep-counting challenge (packaged as data for starter kits)."""
