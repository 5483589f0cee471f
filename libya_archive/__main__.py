from libya_archive.cli import cli

# Guarded: extraction workers re-import the main module, and must not start a crawl.
if __name__ == "__main__":
    cli()
