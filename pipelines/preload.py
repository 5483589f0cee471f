"""What the extraction workers' fork server loads before it forks a worker
(pipelines/workers.py): the extractor's libraries, and the relevance model and gazetteer
built once. Every worker inherits them ready to read its first page, instead of each
building the model itself (about half a second per worker, and again after a restart).

Imported only for this effect.
"""

import contextlib

from pipelines import extract, judge, relevance  # noqa: F401 - loaded to be inherited
from pipelines.gazetteer import GAZETTEER_FILE

# A broken terms file or gazetteer is reported by the worker that reads a page with it: a
# fork server that died here would only say that it died.
with contextlib.suppress(Exception):
    # The arguments `relevance.read` passes, so that its cached model is this one.
    relevance.model(relevance.TERMS_FILE, GAZETTEER_FILE)
