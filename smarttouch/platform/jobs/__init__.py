"""Background jobs of the hub: evaluations of submissions and analyzer runs over sessions."""
