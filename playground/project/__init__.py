"""Project and preset files: the schema with its validation and migration, the preset
catalogue, variants, expectations (the books' numbers to check) and atomic file output."""
