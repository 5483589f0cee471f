"""Fetching: the outlet registry, URL identity, crawl settings and the outlet spider."""
