"""Helpers of the extract pipeline: each reads one kind of fact from a parsed page.

They take an lxml tree that trafilatura has not touched (trafilatura cleans its tree in
place) and never import Scrapy, so they run on stored pages as well as in a crawl.
"""
