"""The hub's frame: the app factory, the list of blueprints, configuration, Flask extensions
and the central error pages."""
