"""Notifications: events and subscriptions, the outbox delivered by mail and webhooks."""
