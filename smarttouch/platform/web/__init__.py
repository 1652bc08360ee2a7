"""Helpers shared by the hub's web pages: plotly charts and WTForms select choices."""
