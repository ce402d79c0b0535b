"""The training worker thread and the sequencing of variant runs in the app."""
