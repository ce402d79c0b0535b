"""Maintainer scripts, run from a source checkout (not installed)."""
