"""Crawl settings: the one place that reads environment variables.

The CLI overrides a few of these per run (the archive path, the log level); everything
else a researcher may want to tune is here, with the reason for its value.
"""

import os

BOT_NAME = "libya-archive"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

# Who we are and how to reach us: outlets' admins read this in their logs.
CONTACT_URL = os.environ.get(
    "LIBYA_ARCHIVE_CONTACT", "https://github.com/libya-archive/libya-archive"
)
USER_AGENT = f"libya-archive/0.1 (+{CONTACT_URL}; research archive of news coverage of Libya)"

# Politeness: robots.txt is law; AutoThrottle adapts the pace to each server's latency, so a
# slow site gets fewer requests; a few connections per site at most. The start delay is only
# the pace before the first answers arrive (AutoThrottle then halves the gap to latency /
# target concurrency with each response): a full second held a crawl back for its first
# two seconds, robots.txt, sitemap and first articles each waiting their turn.
ROBOTSTXT_OBEY = True
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's own lets requests that wait for robots.txt through unchecked (scrapers/robots.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    # Failure storms and budgets (scrapers/breaker.py), before robots.txt is even asked.
    "scrapers.breaker.FailureBreaker": 90,
    "scrapers.robots.RobotsTxtMiddleware": 100,
    # Raw capture next to the downloader: it sees every response as it arrived (each
    # redirect hop, each retried error, the body before decompression).
    "scrapers.capture.CaptureMiddleware": 950,
}
AUTOTHROTTLE_ENABLED = True
# AutoThrottle, told that a fast 404 is a cheap answer and a 429 or 503 a request to slow
# down (scrapers/throttle.py).
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "scrapers.throttle.Pacing": 0,
}
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
COOKIES_ENABLED = False

# Bounded work per response: no page is worth more than 20 MB, no server more than 30 s.
DOWNLOAD_TIMEOUT = int(os.environ.get("LIBYA_ARCHIVE_DOWNLOAD_TIMEOUT", 30))
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5

# Breakers (scrapers/breaker.py): 20 links in a row of one sitemap, feed or listing that
# answer 404/410 and it is sampled 1 in 100; 10 requests in a row without an answer and the
# outlet is left alone for the run; and at most this many requests an outlet a run (0: no
# limit; a first run of a large outlet goes on in the next runs).
BREAKER_CONSECUTIVE = 20
BREAKER_SAMPLE = 100
BREAKER_OUTLET_FAILURES = 10
OUTLET_REQUEST_BUDGET = int(os.environ.get("LIBYA_ARCHIVE_BUDGET", 20_000))

# Scrapy's default of 100 items in flight per response halves throughput (scrapy issue 5182);
# each of our responses yields at most one item anyway.
CONCURRENT_ITEMS = 8

# An unattended crawler opens no listening socket: Scrapy 2.19's remote-control server runs
# posted Python code, and the telnet console is a shell.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Raw capture (scrapers/capture.py): "articles" keeps every response for an article page,
# "all" the entry points and robots.txt too, "none" nothing (for benchmarks). The WARC
# store is the folder beside the archive unless WARC_DIR names another; files rotate at 1 GB.
CAPTURE = "articles"
WARC_DIR = os.environ.get("LIBYA_ARCHIVE_WARCS") or None
WARC_ROTATE_BYTES = 1024**3

# The scheduler drops what a breaker sheds as it leaves the queue (scrapers/scheduler.py).
SCHEDULER = "scrapers.scheduler.Scheduler"

# Requests already made are remembered in the job folder, not in a set in memory.
DUPEFILTER_CLASS = "scrapers.seen.DiskDupeFilter"

# Extraction runs in worker processes (pipelines/workers.py); 0 runs it in the crawler.
EXTRACT_WORKERS = int(os.environ.get("LIBYA_ARCHIVE_EXTRACT_WORKERS", os.cpu_count() or 1))
# The workers yield a core to the crawler's own process (nice +10): it fetches, captures and
# stores every page, and each moment it waits for a core, the workers wait for pages. On two
# cores a crawl ran 5-13% faster so (bench/crawl_throughput.py); on a shared server the
# workers, the crawl's bulk of CPU, also yield to other work.
EXTRACT_WORKER_NICENESS = 10

# The store commits in batches: one transaction per batch, never one per article.
STORE_BATCH_SIZE = int(os.environ.get("LIBYA_ARCHIVE_STORE_BATCH", 100))
STORE_BATCH_SECONDS = 5.0
ARCHIVE_PATH = os.environ.get("LIBYA_ARCHIVE_DB", "archive.db")

# Extract, judge relevance, then store (which decides each page's identity as it writes).
ITEM_PIPELINES = {
    "pipelines.stages.ExtractStage": 100,
    "pipelines.stages.RelevanceStage": 200,
    "pipelines.stages.StoreStage": 400,
}

# A distributed crawl (`crawl --queue`, scrapers/distributed.py). A crawler (or the writer)
# that has not said it is alive for this many seconds is dead: the requests it held go back
# to the queue for the others (the writer's claim lapses). A crawler pushes its items to
# Redis every QUEUE_BATCH items or QUEUE_FLUSH_SECONDS, each push one fsync of its WARC file:
# a crawler killed fetches again at most that second's finished requests.
QUEUE_WORKER_TIMEOUT = int(os.environ.get("LIBYA_ARCHIVE_WORKER_TIMEOUT", 30))
QUEUE_BATCH = 50
QUEUE_FLUSH_SECONDS = 1.0

# What started the run, kept in crawl_runs.source, articles.source, captures.source and each
# WARC record: "crawl" for the present; `backfill --source site` sets "backfill" (a crawl of
# an outlet's own archives), so a researcher can tell the past fetched later from the news
# as it came.
RUN_SOURCE = "crawl"

LOG_LEVEL = "INFO"
# Dropping off-topic articles and non-article pages is routine, not a warning; the run's
# record counts them (crawl_runs).
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
