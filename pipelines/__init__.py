"""Turning fetched pages into archived articles: extract, relevance, dedup, store.

The steps are pure (no Scrapy, no crawler): they run on stored bytes in a crawl's worker
processes, in benchmarks and in every other way into the archive. `stages` holds the thin
Scrapy item pipelines that a crawl runs them through. The shared models live here too:
the items (the contract with the spiders), text folding, timestamps and URL identity.
"""
