"""Spiders; one, configured by outlets.yml, serves every outlet."""
