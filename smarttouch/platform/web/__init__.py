"""Helpers shared by the hub's web pages: plotly charts, WTForms select choices, absolute URLs."""
