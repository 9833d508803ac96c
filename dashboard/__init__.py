"""The Dash dashboard: lays out and wires what ``metrics`` computes. Build it with ``create_app``."""
from .factory import create_app

__all__ = ["create_app"]
