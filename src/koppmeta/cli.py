"""The ``koppmeta`` command line.

    koppmeta reproduce [--only NAME ...]   execute every notebook, write figures/ and reports/
    koppmeta validate [FILE ...]           check data/studies.csv and data/reviews.csv against the schema
    koppmeta forest [--outcome O] [--timepoint T] [--by COLUMN] [--method M] [--test knha] [--lang nl|en] --output FILE
                                           forest plot of the trials for one outcome (default: incidence);
                                           --by draws one block per subgroup of that column
    koppmeta summary [--format text|csv|markdown]
                                           pooled re-analysis per outcome of data/studies.csv
    koppmeta explore [--lang nl|en] [--output PATH]
                                           the evidence base as one offline HTML page (default reports/explore.html)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


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


def _effects(args: argparse.Namespace):
    from .data import load_studies
    from .evidence import effects_for

    studies = load_studies(args.data)
    outcomes = sorted(studies["outcome"].dropna().unique())
    if args.outcome not in outcomes:
        raise SystemExit(f"koppmeta: unknown outcome {args.outcome!r}. Outcomes in {studies.attrs['path']}: {', '.join(outcomes)}.")
    tp = args.timepoint if args.timepoint in ("longest", "shortest") else float(args.timepoint)
    return studies, effects_for(studies, args.outcome, timepoint=tp)


def _forest(args: argparse.Namespace) -> int:
    import pandas as pd

    from .models import meta_analysis
    from .plotting import forest_plot, save_figure

    _, eff = _effects(args)
    if len(eff) < 1:
        raise SystemExit(f"koppmeta: no trial has usable numbers for outcome {args.outcome!r}; see data/GAPS.md.")
    if args.by is not None and args.by not in eff.columns:
        raise SystemExit(f"koppmeta: unknown column {args.by!r} for --by. Columns of the effects table: "
                         f"{', '.join(c for c in eff.columns if c not in ('yi', 'vi'))}.")
    months = eff["timepoint_months"].astype(float)
    labels = list(eff["citation"].astype(str))
    columns = pd.DataFrame({"Months" if args.lang == "en" else "Maanden":
                            ["post" if m == 0 else f"{m:g}" if m == m else "" for m in months]})
    rob = eff["risk_of_bias"].tolist()
    measure = eff["measure"][0]
    outcome = args.outcome.replace("_", " ")
    if args.by is None:
        result = meta_analysis(eff["yi"], eff["vi"], labels=labels, measure=measure, method=args.method, test=args.test)
        default_title = f"{outcome.capitalize()}: trials in data/studies.csv"
    else:
        from .regression import subgroup_analysis

        groups = eff[args.by]
        if groups.isna().any():
            missing = ", ".join(eff.loc[groups.isna(), "study_id"].astype(str))
            raise SystemExit(f"koppmeta: column {args.by!r} is missing for {missing}; every trial needs a value to be "
                             "placed in a subgroup.")
        try:
            result = subgroup_analysis(eff["yi"], eff["vi"], groups.astype(str).tolist(), labels=labels,
                                       measure=measure, method=args.method, test=args.test)
        except ValueError as exc:
            raise SystemExit(f"koppmeta: {exc}") from None
        default_title = f"{outcome.capitalize()} by {args.by.replace('_', ' ')}: trials in data/studies.csv"
    fig = forest_plot(result, lang=args.lang, title=args.title or default_title, columns=columns, rob=rob)
    for path in save_figure(fig, args.output):
        print(f"wrote {path}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    import pandas as pd

    from .data import load_studies
    from .evidence import effects_for
    from .models import meta_analysis

    studies = load_studies(args.data)
    rows = []
    for outcome in sorted(studies["outcome"].dropna().unique()):
        eff = effects_for(studies, outcome)
        if len(eff) < 2:
            continue
        fit = meta_analysis(eff["yi"], eff["vi"], method=args.method, test=args.test, measure=eff["measure"][0])
        tr = (lambda x: float(np.exp(x))) if fit.is_ratio else float
        rows.append({"outcome": outcome, "measure": fit.measure, "k": fit.k, "estimate": tr(fit.estimate),
                     "ci_low": tr(fit.ci_low), "ci_high": tr(fit.ci_high), "pval": fit.pval, "tau2": fit.tau2,
                     "i2": fit.i2, "trials": ", ".join(eff["study_id"])})
    table = pd.DataFrame(rows)
    if args.format == "csv":
        print(table.to_csv(index=False), end="")
    elif args.format == "markdown":
        print(_markdown(table))
    else:
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


def _markdown(table) -> str:
    cols = list(table.columns)
    fmt = lambda x: f"{x:.3f}" if isinstance(x, float) else str(x)  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


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
    from .heterogeneity import METHODS

    for name, func, helptext in (("forest", _forest, "forest plot of the trials for one outcome"),
                                 ("summary", _summary, "pooled re-analysis per outcome")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--data", default=None, help="trial table (default: data/studies.csv)")
        p.add_argument("--method", default="REML", choices=METHODS)
        p.add_argument("--test", default="z", choices=("z", "knha"))
        if name == "forest":
            p.add_argument("--outcome", default="incidence", help="outcome code (default: incidence)")
            p.add_argument("--timepoint", default="longest", help="'longest', 'shortest' or months after the intervention")
            p.add_argument("--by", default=None, metavar="COLUMN",
                           help="subgroup forest plot, grouped by this column of the effects table "
                                "(e.g. intervention_type, risk_of_bias)")
            p.add_argument("--lang", default="en", choices=("en", "nl"))
            p.add_argument("--title", default=None)
            p.add_argument("--output", required=True, help="file name; .png, .svg or .pdf (no suffix: all three)")
        else:
            p.add_argument("--format", default="text", choices=("text", "csv", "markdown"))
        p.set_defaults(func=func)
    from .explore import add_explore_command

    add_explore_command(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
