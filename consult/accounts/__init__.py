"""People, their roles on region nodes, verification of residency, login."""
