"""The ``koppmeta`` command line.

    koppmeta reproduce [--only NAME ...]   execute every notebook, write figures/ and reports/
    koppmeta validate [FILE ...]           check data/studies.csv and data/reviews.csv against the schema
    koppmeta summary [--measure RR ...]    pooled results of the curated data as a table
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _reproduce(args: argparse.Namespace) -> int:
    from .reproduce import run

    manifest = run(only=args.only, html_reports=not args.no_html)
    print(f"Executed {len(manifest['notebooks'])} notebook(s); {len(manifest['figures'])} figure file(s) in figures/; "
          "reports in reports/index.html")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .data import DataError, load_reviews, load_studies

    files = args.files or [None, None]
    ok = True
    for i, f in enumerate(files):
        loader = load_reviews if (f and Path(f).name.startswith("reviews")) or (f is None and i == 1) else load_studies
        try:
            df = loader(f)
        except DataError as exc:
            ok = False
            print(f"INVALID: {exc}", file=sys.stderr)
        else:
            print(f"ok: {df.attrs.get('path', f)}: {len(df)} rows")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="koppmeta", description="Evidence synthesis for KOPP/KOV interventions.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("reproduce", help="execute every notebook; write figures/ and reports/")
    p.add_argument("--only", nargs="*", help="run only notebooks whose name contains one of these")
    p.add_argument("--no-html", action="store_true", help="skip the HTML reports")
    p.set_defaults(func=_reproduce)
    p = sub.add_parser("validate", help="validate the data files against data/datapackage.json")
    p.add_argument("files", nargs="*", help="files to check (default: data/studies.csv and data/reviews.csv)")
    p.set_defaults(func=_validate)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
