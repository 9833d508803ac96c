"""The demo: synthetic tables and first-start loading."""
