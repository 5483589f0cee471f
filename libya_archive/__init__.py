"""The libya-archive command line: the front door to scrapers/, pipelines/ and Datasette."""
