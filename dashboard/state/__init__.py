"""Per-request view state: URL parameters, the resolved view, the page cache."""
