"""Taking a validated table into the store: plan and write revisions (+ roll-ups), revision history."""
