"""Chapter presets as JSON data files (see playground.project.presets)."""
