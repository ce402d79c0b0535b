"""Runs: putting a project together into a session and training it."""
