"""People and access: users, sessions and API tokens, sign-in throttling."""
