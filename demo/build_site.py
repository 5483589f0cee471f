#!/usr/bin/env python3
"""Build the offline demo site from the article sources in demo/content/.

The demo lets `make demo` and the tests crawl three fictional news outlets without the
internet. Real outlets run different CMSs, so each outlet here has its own page template
(demo/templates/<outlet>.html) and its own module in demo/builder/, with the furniture real
pages carry: menus, sidebars, share bars, related links, footers, scripts. Articles are
written once, as data, in demo/content/<outlet>.yml; everything else is derived from them.

The output is committed, and a test rebuilds it and compares, so the build must be
deterministic: everything is sorted, nothing depends on the clock, the locale or the
file system's order, and every file is written as UTF-8 with "\\n" line ends.

The site goes into libya_archive/demo/site/, beside the demo's registry (outlets.yml):
`libya-archive demo` serves it from the installed package. All absolute URLs use the
origin http://demo.test; the demo server rewrites that origin to the address it listens on.

Beside the site, in <out>_v2/ (libya_archive/demo/site_v2/), goes the overlay of its second
version: the files that change when the articles with a `revision` are revised. Served over
the site (SiteServer's `overlay`), it lets a second crawl find an article edited.

Usage:
    python demo/build_site.py              # rebuilds libya_archive/demo/site/
    python demo/build_site.py --out DIR    # builds into DIR and DIR_v2 (e.g. to compare)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = DEMO_DIR.parent / "libya_archive" / "demo" / "site"

# The builder package sits next to this script. Python puts a script's folder on sys.path
# by itself, but not under -I or -P, so make sure of it whatever the working directory.
sys.path.insert(0, str(DEMO_DIR))

from builder.site import build, build_overlay, write_site  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: libya_archive/demo/site)",
    )
    args = parser.parse_args(argv)
    site = build()
    write_site(site, args.out)
    overlay = build_overlay(site)
    overlay_dir = args.out.with_name(args.out.name + "_v2")
    write_site(overlay, overlay_dir)
    print(f"wrote {len(site)} files to {args.out} and {len(overlay)} to {overlay_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
