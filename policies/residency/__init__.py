"""Residency policies: data and compute stay inside the stack's jurisdictions and regions."""
