"""The ``koppmeta`` command line.

    koppmeta analyse FILE [--measure M] [--by COLUMN] [--method M] [--test T] [--lang nl|en] [--output FIG]
                          [--format text|markdown|csv]
                                           your own trials (CSV or XLSX): pooled result for few trials, forest plot
    koppmeta template --kind counts|means|estimates --lang nl|en [--xlsx] [--example] [--output FILE]
                                           an empty table to fill in (CSV on standard output, or XLSX)
    koppmeta validate [FILE ...]           check data/studies.csv, data/reviews.csv and data/gaps.csv against the schema
    koppmeta forest [--outcome O] [--timepoint T] [--by COLUMN] [--method M] [--test knha] [--lang nl|en] --output FILE
                                           forest plot of the curated trials for one outcome (default: incidence)
    koppmeta summary [--format text|csv|markdown]
                                           pooled re-analysis per outcome of the curated trials
    koppmeta explore [--lang nl|en] [--output PATH]
                                           the evidence base as one offline HTML page (default reports/explore.html)
    koppmeta reproduce [--only NAME ...]   execute every notebook, write figures/ and reports/ (in a clone)

Adding a command: write ``register(subparsers)`` in its own module (add a parser with
``subparsers.add_parser(...)`` and ``set_defaults(func=handler)``; the handler takes the parsed
arguments and returns the exit status, and raises :func:`fail` for a user error) and add the
module's name to :data:`COMMANDS` (as ``"koppmeta.project.report:add_parser"``).
Errors from the library (bad data, unknown options, missing files) are printed as one message
with exit status 1, never as a traceback (``KOPPMETA_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import import_module
from pathlib import Path

from .. import formatting as _fmt
from .. import translations as tr


# Modules with a register(subparsers) function, in the order --help lists them.
# "module:function" of each function that adds commands; a module of its own may use "module" alone
# for its function named register, e.g. "koppmeta.report" for `koppmeta report`.
COMMANDS = ["koppmeta.project.cli:_register_analyse", "koppmeta.project.cli:_register_validate", "koppmeta.project.cli:_register_forest",
            "koppmeta.project.cli:_register_summary", "koppmeta.project.report:add_parser", "koppmeta.project.explore:add_explore_command",
            "koppmeta.project.cli:_register_reproduce"]

FIGURE_SUFFIXES = ("pdf", "png", "svg")


def fail(message: str) -> SystemExit:
    """The exception a command raises for a user error: the message, exit status 1, no traceback."""
    return SystemExit(f"koppmeta: {message}")


# words per language: koppmeta.translations.CLI_OUTPUT_TEXT
_OUTPUT_TEXT = tr.CLI_OUTPUT_TEXT


def check_output(path: str, *, suffixes=FIGURE_SUFFIXES, bare: bool = True, option: str = "--output",
                 lang: str = "en") -> Path:
    """An output path the user named: a known suffix (or none, when ``bare``: all formats) in an existing folder.

    Nothing is created silently: a missing folder is an error, not made. Messages in ``lang``.
    """
    t = _OUTPUT_TEXT[lang]
    p = Path(path)
    suffix = p.suffix.lower().lstrip(".")
    valid = ", ".join("." + s for s in suffixes)
    if suffix and suffix not in suffixes:
        also = t["also"] if bare and len(suffixes) == 3 else ""
        raise fail(t["suffix"].format(opt=option, path=path, suffix=suffix, valid=valid, also=also))
    if not suffix and not bare:
        raise fail(t["bare"].format(opt=option, path=path, valid=valid))
    if p.is_dir():
        raise fail(t["dir"].format(opt=option, path=path))
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise fail(t["parent"].format(opt=option, path=path, parent=parent))
    return p


def _input_file(path: str | None, option: str = "--data") -> str | None:
    if path is not None and not Path(path).is_file():
        what = "is a folder, not a file" if Path(path).is_dir() else "no such file"
        raise fail(f"{option} {path!r}: {what} (current folder: {Path.cwd()}).")
    return path


def _outcome_codes() -> list[str]:
    """The outcome codes of the schema (the packaged copy when outside a clone)."""
    from .paths import data_dir

    try:
        pkg = json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))
        fields = {f["name"]: f for r in pkg["resources"] if r["name"] == "studies" for f in r["schema"]["fields"]}
        return list(fields["outcome"]["constraints"]["enum"])
    except (OSError, KeyError, ValueError):  # pragma: no cover - the schema ships with the package
        return []


# ---------------------------------------------------------------------------
# reproduce
# ---------------------------------------------------------------------------


def _reproduce(args: argparse.Namespace) -> int:
    from .paths import figures_dir, find_project_root
    from .reproduce import run

    root = find_project_root()
    if root is None:
        raise fail("reproduce runs the project's notebooks and needs a clone of the repository: run it inside the "
                   "clone (or set KOPPMETA_ROOT). For your own trials use `koppmeta analyse FILE`.")
    manifest = run(root, figures=figures_dir(root), reports=root / "reports", only=args.only, html_reports=not args.no_html)
    print(f"Executed {len(manifest['notebooks'])} notebook(s); {len(manifest['figures'])} figure file(s) in figures/; "
          "reports in reports/index.html")
    return 0


def _register_reproduce(sub) -> None:
    p = sub.add_parser("reproduce", help="execute every notebook; write figures/ and reports/ (inside a clone)")
    p.add_argument("--only", nargs="*", help="run only notebooks whose name contains one of these")
    p.add_argument("--no-html", action="store_true", help="skip the HTML reports")
    p.set_defaults(func=_reproduce)


# ---------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    from .data import DataError, load_gaps, load_reviews, load_studies

    files = args.files or [None, None, None]
    ok = True
    for i, f in enumerate(files):
        name = Path(f).name if f else ("studies", "reviews", "gaps")[i]
        loader = load_reviews if name.startswith("reviews") else load_gaps if name.startswith("gaps") else load_studies
        try:
            df = loader(f)
        except DataError as exc:
            ok = False
            print(f"INVALID: {exc}", file=sys.stderr)
        else:
            print(f"ok: {df.attrs.get('path', f)}: {len(df)} rows")
    return 0 if ok else 1


def _register_validate(sub) -> None:
    p = sub.add_parser("validate", help="validate trial and review tables in the curated layout against the schema",
                       description="Check files in the curated layout (data/studies.csv, data/reviews.csv: every "
                                   "number with its source, location and quote) against the schema. A file whose "
                                   "name starts with 'reviews' is checked as reviews, 'gaps' as the extraction sheet, any other as studies. For a "
                                   "short table of your own trials use `koppmeta analyse FILE`.")
    p.add_argument("files", nargs="*", help="files to check (default: the curated studies.csv, reviews.csv and gaps.csv)")
    p.set_defaults(func=_validate)


# ---------------------------------------------------------------------------
# forest and summary (the curated evidence base)
# ---------------------------------------------------------------------------


def _fmt_months(m: float) -> str:
    return "post (0)" if m == 0 else f"{m:g}"


def _effects(args: argparse.Namespace):
    """The trial table, the usable effects and the time point asked for (a message for every bad choice)."""
    from .data import load_studies
    from .evidence import effects_for

    studies = load_studies(_input_file(args.data))
    outcomes = sorted(studies["outcome"].dropna().unique())
    if args.outcome not in outcomes:
        raise fail(f"unknown outcome {args.outcome!r}. Outcomes in {Path(studies.attrs['path']).name}: {', '.join(outcomes)}.")
    if args.timepoint in ("longest", "shortest"):
        return studies, effects_for(studies, args.outcome, timepoint=args.timepoint), args.timepoint
    try:
        tp = float(args.timepoint.replace(",", "."))
    except ValueError:
        raise fail(f"--timepoint {args.timepoint!r}: give 'longest', 'shortest' or a number of months (0 = right after the intervention).") from None
    eff = effects_for(studies, args.outcome, timepoint=tp)
    if len(eff) == 0:
        months = sorted(set(studies.loc[studies["outcome"] == args.outcome, "timepoint_months"].dropna().astype(float)))
        usable = [m for m in months if len(effects_for(studies, args.outcome, timepoint=m))]
        raise fail(f"--timepoint {args.timepoint}: no trial reports outcome {args.outcome!r} at {tp:g} months. "
                   f"Time points (months) with usable numbers: {', '.join(_fmt_months(m) for m in usable) or 'none'}; "
                   "or use 'longest' or 'shortest'.")
    return studies, eff, tp


def _forest(args: argparse.Namespace) -> int:
    from ..plotting import forest_plot, save_figure
    from .pipeline import analyse_outcome, forest_options

    out = check_output(args.output)
    studies, eff, timepoint = _effects(args)
    if args.by is not None and len(eff) and args.by not in eff.columns:
        raise fail(f"unknown column {args.by!r} for --by. Columns of the effects table: "
                   f"{', '.join(c for c in eff.columns if c not in ('yi', 'vi'))}.")
    analysis = analyse_outcome(studies, args.outcome, method=args.method, test=args.test, by=args.by,
                               timepoint=timepoint, min_k=1)
    if analysis.fit is None or (args.by is not None and analysis.subgroups is None):
        raise fail(" ".join(analysis.messages))
    options = forest_options(analysis, args.lang)
    if args.title:
        options["title"] = args.title
    fig = forest_plot(analysis.result, lang=args.lang, **options)
    for path in save_figure(fig, out):
        print(f"wrote {path}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from .data import load_studies
    from .pipeline import pooled_summary

    studies = load_studies(_input_file(args.data))
    table, notes = pooled_summary(studies, method=args.method, test=args.test)
    if args.format == "csv":
        print(table.to_csv(index=False), end="")
        for n in notes:  # the CSV stays one table; what was left out goes to standard error
            print(f"note: {n}", file=sys.stderr)
        return 0
    shown = table.copy()
    for c in ("estimate", "ci_low", "ci_high", "tau2"):
        shown[c] = [_fmt.number(x, 3, plain=True) for x in shown[c]]
    shown["pval"] = [("<" + _fmt.number(0.001, 3) if p < 0.001 else _fmt.number(p, 3)) for p in shown["pval"]]
    shown["i2_percent"] = [_fmt.percent(x, 1) for x in shown["i2_percent"]]
    shown = shown.rename(columns={"i2_percent": "I²"})
    if args.format == "markdown":
        print(_markdown(shown))
        if notes:
            print()
            print("\n".join(f"- {n}" for n in notes))
    else:
        print(shown.to_string(index=False))
        if notes:
            print()
            print("\n".join(f"note: {n}" for n in notes))
    return 0


def _markdown(table) -> str:
    cols = list(table.columns)
    fmt = lambda x: _fmt.number(x, 3, plain=True) if isinstance(x, float) else str(x)  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def _register_curated(sub, name: str) -> None:
    from ..models.heterogeneity import METHODS

    codes = _outcome_codes()
    if name == "forest":
        p = sub.add_parser(
            "forest", help="forest plot of the curated trials for one outcome",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            description="Forest plot of the curated trials (data/studies.csv) for one outcome.",
            epilog="outcome codes: " + ", ".join(codes) + "\n\nexamples:\n"
                   "  koppmeta forest --output incidence.pdf\n"
                   "  koppmeta forest --by intervention_type --test z --lang nl --output incidentie.png\n"
                   "  koppmeta forest --outcome internalizing --timepoint shortest --output internalizing.svg")
    else:
        p = sub.add_parser("summary", help="pooled re-analysis per outcome of the curated trials",
                           formatter_class=argparse.RawDescriptionHelpFormatter,
                           description="Pooled re-analysis per outcome of the curated trials; outcomes with fewer "
                                       "than two usable trials are listed as not pooled.",
                           epilog="examples:\n  koppmeta summary\n  koppmeta summary --format markdown --test z")
    p.add_argument("--data", default=None, help="trial table in the curated layout (default: the curated studies.csv)")
    p.add_argument("--method", default="REML", choices=METHODS)
    p.add_argument("--test", default="adhoc", choices=("adhoc", "knha", "z"),
                   help="interval and test of the pooled effect: adhoc (ad hoc Hartung-Knapp, never narrower than z; "
                        "the default, as few trials need), knha (Hartung-Knapp) or z")
    if name == "forest":
        p.add_argument("--outcome", default="incidence", help="outcome code (default: incidence; codes below)")
        p.add_argument("--timepoint", default="longest", help="'longest', 'shortest' or months after the intervention")
        p.add_argument("--by", default=None, metavar="COLUMN",
                       help="subgroup forest plot, grouped by this column of the effects table (e.g. intervention_type, "
                            "parent_disorder, child_age, risk_of_bias; the column needs two or more values)")
        p.add_argument("--lang", default="en", choices=("en", "nl"))
        p.add_argument("--title", default=None)
        p.add_argument("--output", required=True, help="file name ending in .pdf, .png or .svg (no suffix: all three); "
                                                       "its folder must exist")
        p.set_defaults(func=_forest)
    else:
        p.add_argument("--format", default="text", choices=("text", "csv", "markdown"))
        p.set_defaults(func=_summary)


# ---------------------------------------------------------------------------
# analyse and template (your own trials)
# ---------------------------------------------------------------------------


def _analyse(args: argparse.Namespace) -> int:
    from ..effects.own_data import analyse

    out = check_output(args.output, lang=args.lang) if args.output else None
    result = analyse(args.file, measure=args.measure, by=args.by, method=args.method, test=args.test,
                     lang=args.lang, sheet=args.sheet)
    text = result.summary(args.format)
    if args.format == "csv":
        print(text, end="")
        print("\n".join([*result.info.lines(args.lang), *result.notes]), file=sys.stderr)
    else:
        print(text, end="")
    if out is not None:
        from ..plotting import save_figure

        for path in save_figure(result.forest(), out):
            word = "Figuur" if args.lang == "nl" else "Figure"
            print(f"{word}: {path}", file=sys.stderr if args.format == "csv" else sys.stdout)
    return 0


def _template(args: argparse.Namespace) -> int:
    from ..effects.own_data import template_csv, template_explanation, write_template

    if args.example and args.kind != "counts":
        raise fail("--example bestaat voor --kind counts (echte trials: de BCG-vaccinstudies van Colditz e.a. 1994)."
                   if args.lang == "nl" else
                   "--example exists for --kind counts (real trials: the BCG vaccine trials of Colditz et al. 1994).")
    if args.xlsx or args.output:
        default = f"{'sjabloon' if args.lang == 'nl' else 'template'}_{args.kind}.{'xlsx' if args.xlsx else 'csv'}"
        path = check_output(args.output or default, suffixes=("xlsx",) if args.xlsx else ("csv", "xlsx"), bare=False,
                            lang=args.lang)
        if path.exists() and not args.force:
            raise fail(f"{path} bestaat al; kies een andere --output of voeg --force toe om het te overschrijven."
                       if args.lang == "nl" else f"{path} exists; choose another --output or add --force to overwrite it.")
        write_template(path, args.kind, lang=args.lang, example=args.example)
        print(("Geschreven: " if args.lang == "nl" else "Wrote ") + str(path), file=sys.stderr)
    else:
        sys.stdout.write(template_csv(args.kind, lang=args.lang, example=args.example))
    print(template_explanation(args.kind, args.lang), file=sys.stderr)
    return 0


def _register_analyse(sub) -> None:
    from ..models.heterogeneity import METHODS
    from ..models.univariate import TESTS
    from ..effects.own_data import MEASURES

    p = sub.add_parser(
        "analyse", aliases=["analyze"], help="analyse your own trials (CSV or XLSX) for few trials, with a forest plot",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Analyse a table of your own trials. FILE is CSV (comma or semicolon; decimal point or comma) "
                    "or XLSX with a study label and, per row, one of: events1, n1, events2, n2 | m1, sd1, n1, m2, sd2, "
                    "n2 | yi, vi | yi, sei | estimate, ci_low, ci_high. Dutch headers work too (koppmeta template "
                    "--lang nl shows them). Prints the pooled result (ad hoc Hartung-Knapp by default, for few trials), "
                    "the prediction interval and the same trials pooled by several methods.",
        epilog="examples:\n"
               "  koppmeta template --kind counts --lang nl > mijn_trials.csv\n"
               "  koppmeta analyse mijn_trials.csv --measure RR --lang nl --output figuur.pdf\n"
               "  koppmeta analyse my_trials.xlsx --measure SMD --by intervention_type --format markdown")
    p.add_argument("file", help="your trials: .csv, .txt or .xlsx")
    p.add_argument("--measure", default=None, type=str.upper, choices=MEASURES,
                   help="effect measure (default: RR for counts, SMD for means, inferred for estimates; said in the output)")
    p.add_argument("--by", default=None, metavar="COLUMN", help="pool by the groups of this column of the file")
    p.add_argument("--method", default="REML", choices=METHODS, help="tau² estimator (default: REML)")
    p.add_argument("--test", default="adhoc", choices=TESTS,
                   help="adhoc (ad hoc Hartung-Knapp, never narrower than z; the default, as few trials need), "
                        "knha (Hartung-Knapp) or z")
    p.add_argument("--lang", default="en", choices=("en", "nl"))
    p.add_argument("--output", default=None, metavar="FIG", help="forest plot: .pdf, .png or .svg (no suffix: all three)")
    p.add_argument("--format", default="text", choices=("text", "markdown", "csv"), help="printed summary")
    p.add_argument("--sheet", default=None, help="XLSX: the sheet to read (default: the first)")
    p.set_defaults(func=_analyse)

    p = sub.add_parser("template", help="an empty table for your own trials (CSV on standard output, or XLSX)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  koppmeta template --kind counts --lang nl > mijn_trials.csv\n"
                              "  koppmeta template --kind means --xlsx --output my_trials.xlsx\n"
                              "  koppmeta template --kind counts --example > bcg.csv")
    p.add_argument("--kind", default="counts", choices=("counts", "means", "estimates"))
    p.add_argument("--lang", default="en", choices=("en", "nl"))
    p.add_argument("--xlsx", action="store_true", help="write an Excel workbook (with a sheet explaining the columns)")
    p.add_argument("--output", default=None, help="file to write (.csv or .xlsx); default: standard output for CSV")
    p.add_argument("--example", action="store_true", help="fill the counts template with real trials (BCG, Colditz 1994)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.set_defaults(func=_template)


def _register_forest(sub) -> None:
    _register_curated(sub, "forest")


def _register_summary(sub) -> None:
    _register_curated(sub, "summary")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="koppmeta", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Evidence synthesis for interventions for children of parents with mental illness or addiction "
                    "(KOPP/KOV): your own trials, the curated evidence base, the project's notebooks.",
        epilog="outcome codes of the curated trials: " + ", ".join(_outcome_codes()) + "\n\nexamples:\n"
               "  koppmeta analyse my_trials.csv --output forest.pdf\n"
               "  koppmeta template --kind counts --lang nl > mijn_trials.csv\n"
               "  koppmeta forest --outcome incidence --by intervention_type --output incidence.png\n"
               "  koppmeta summary --format markdown\n\n"
               "`koppmeta COMMAND --help` explains each command.")
    parser.add_argument("--version", action="version", version=f"koppmeta {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in COMMANDS:
        module, _, attr = entry.partition(":")
        getattr(import_module(module), attr or "register")(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .data import DataError

    try:
        return args.func(args)
    except DataError as exc:
        print(f"koppmeta {args.command}: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError) as exc:
        if os.environ.get("KOPPMETA_DEBUG"):
            raise
        print(f"koppmeta {args.command}: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - a command line never ends in a traceback
        if os.environ.get("KOPPMETA_DEBUG"):
            raise
        print(f"koppmeta {args.command}: unexpected error ({type(exc).__name__}: {exc}). "
              "Run again with KOPPMETA_DEBUG=1 to see where it happened.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
