"""OPSG service metrics: the domain (catalog, RAG, datasets, ingest, storage, queries, jobs, CLI).

Nothing here imports Dash; the dashboard package draws what this package computes.
"""
