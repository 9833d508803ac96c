"""What the committee records: actions, RAG overrides, thresholds (admin edits)."""
