"""The Dash dashboard: lays out and wires what ``metrics`` computes. Build it with ``create_app``."""
__version__ = "0.1.0"  # Dash fingerprints the files it serves from this package with it

from .factory import create_app  # noqa: E402

__all__ = ["create_app"]
