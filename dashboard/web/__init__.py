"""Flask routes and request handling: API, sign-in, security, downloads, the pack route, unsubscribe."""
