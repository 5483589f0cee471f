"""Fetching: the outlet registry, crawl settings, the archive's memory and the spiders.

Depends on pipelines/ (the items it yields, URL identity, timestamps), never the reverse.
"""
