"""Governance policies: the waivers themselves are valid."""
