"""Starter solution of the shoulder-reach-game challenge (packaged as data for starter kits)."""
