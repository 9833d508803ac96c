"""Scheduled work: the jobs (inbox, late submissions, nightly backup) and the scheduler."""
