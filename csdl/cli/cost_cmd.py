from __future__ import annotations

import click

from csdl.cli import EXIT_CLEAN, EXIT_PROBLEMS
from csdl.cli.common_options import DECIMAL, resolved, shared_options
from csdl.cli.inputs import sources
from csdl.cli.output import log, use_color, warning, write_output

_BUDGETS = [
    ("fail_above", "Exit 1 if any filter costs more than DPU."),
    ("fail_total_above", "Exit 1 if all filters together cost more than DPU."),
    ("fail_on_increase", "Exit 1 if a filter or the total rose by more than PCT % against --compare-to."),
    ("warn_above", "Warn if any filter costs more than DPU."),
    ("warn_total_above", "Warn if all filters together cost more than DPU."),
    ("warn_on_increase", "Warn if a filter or the total rose by more than PCT % against --compare-to."),
]


def _budget_options(func):
    for name, help_text in reversed(_BUDGETS):
        metavar = "PCT" if name.endswith("increase") else "DPU"
        func = click.option(f"--{name.replace('_', '-')}", name, type=DECIMAL, metavar=metavar, help=help_text)(func)
    return func


@click.command("cost")
@click.argument("paths", nargs=-1, metavar="FILE|DIR|-...")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="table: per file and clause; json: the payload for --compare-to; "
              "markdown: a pull-request comment.")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE (atomically) instead of stdout.")
@click.option("--compare-to", metavar="BASE.json", help="Show the change against a saved `--format json` report.")
@click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")
@click.option("--platform", type=click.Choice(["stream", "pylon"]), default=None,
              help="Validate as a STREAM filter or a PYLON query filter before costing (default: configuration, "
                   "else stream).")
@shared_options
@_budget_options
@click.option("-q", "--quiet", is_flag=True, help="No log lines on stderr (budget failures are still said).")
def cost_command(paths, output_format, output, compare_to, stdin_filename, platform, library_dir, pricing_file,
                 config_file, isolated, quiet, **limits):
    """Estimate the DPU cost of filters, with a breakdown by operator, target and clause.

    The model is DataSift's published pricing plus our documented decisions (docs/cost.md).

    \b
    Examples:
      csdl cost filter.csdl
      csdl cost filters/ --library streams/
      csdl cost query.csdl --platform pylon                 # a PYLON query filter
      csdl cost filters/ --format json -o base.json        # on the base branch
      csdl cost filters/ --compare-to base.json            # on the change: + added, ~ changed, - removed
      csdl cost filters/ --compare-to base.json --format markdown > comment.md
      csdl cost filters/ --fail-above 2 --fail-on-increase 20 --compare-to base.json
    """
    import csdl
    from csdl.costing import budget, json_report, render
    from csdl.costing.diff import diff as compute_diff

    settings = resolved(library_dir, pricing_file, config_file, isolated, platform=platform)
    budgets = budget.Budgets(**{name: limits.get(name) if limits.get(name) is not None else settings.budget(name)
                                for name in budget.Budgets.FIELDS})
    # a limit that came from the configuration is named by its key and the file's path, so the
    # message says where to change it (the file may sit in a parent folder)
    budgets.origins = {name: f"`{name.replace('_', '-')}` ({settings.origin()})"
                       for name in budget.Budgets.FIELDS
                       if limits.get(name) is None and getattr(settings.config, name) is not None}
    increase_set = budgets.fail_on_increase is not None or budgets.warn_on_increase is not None
    if increase_set and compare_to is None and (limits.get("fail_on_increase") is not None
                                                or limits.get("warn_on_increase") is not None):
        raise click.UsageError("--fail-on-increase and --warn-on-increase need --compare-to BASE.json")
    base = None
    if compare_to is not None:
        try:
            base = json_report.load(compare_to)
        except json_report.ReportFileError as exc:
            raise click.ClickException(f"--compare-to: {exc}") from None

    records = []
    for source in sources(paths, stdin_filename):
        if source.error is not None:
            records.append(json_report.file_record(source.path, errors=[source.error]))
            continue
        try:
            report = csdl.cost(source.text, library=settings.library, pricing=settings.pricing,
                               checks=settings.checks(None if source.is_stdin else source.path))
        except csdl.CSDLError as exc:
            records.append(json_report.file_record(source.path, errors=exc.diagnostics))
            continue
        records.append(json_report.file_record(source.path, report))
    payload = json_report.build(records)
    diff = compute_diff(base, payload) if base is not None else None
    breaches = budget.check(budgets, payload, diff)

    if output_format == "json":
        if diff is not None:
            payload["diff"] = diff
        if budgets.any():
            payload["budgets"] = [b.to_dict() for b in breaches]
        text = render.render_json(payload)
    elif diff is not None:
        text = render.DIFF_RENDERERS[output_format](payload, diff, color=use_color() and output is None)
    else:
        text = render.RENDERERS[output_format](payload, color=use_color() and output is None)
    write_output(text, output)

    if output_format != "table" or diff is not None:
        for record in records:  # the table shows these itself
            for d in record["errors"]:
                log(f"{record['path']}:{d['line']}:{d['column']}: {d['code']} {d['message']}", quiet=quiet)
            for d in record.get("warnings", []):
                log(f"{record['path']}:{d['line']}:{d['column']}: warning: {d['code']} {d['message']}", quiet=quiet)
    for breach in breaches:
        if breach.level == "error":
            log(f"csdl: budget exceeded: {breach.message}")
        else:
            warning(f"budget: {breach.message}", quiet=quiet)
    failed = payload["summary"]["with_errors"] or any(b.level == "error" for b in breaches)
    raise SystemExit(EXIT_PROBLEMS if failed else EXIT_CLEAN)
