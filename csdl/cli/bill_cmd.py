from __future__ import annotations

import sys

import click

from csdl.cli import EXIT_PROBLEMS
from csdl.cli.cost_settings import DECIMAL, check_options, load_config, resolve, shared_options
from csdl.cli.inputs import sources
from csdl.cli.output import log, use_color, write_output


def _common(func):
    func = click.option("-o", "--output", metavar="FILE", help="Write the result to FILE (atomically).")(func)
    func = click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
                        show_default=True)(func)
    return shared_options(func)


def _filter_options(func):
    func = click.option("--dpu", "dpus", type=DECIMAL, multiple=True, metavar="DPU",
                        help="A stream's DPU instead of (or besides) a filter file; repeat for several streams.")(func)
    func = click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")(func)
    return func


def _licence_options(func):
    func = click.option("--source", default="twitter", show_default=True,
                        help="The data source whose licence fee applies.")(func)
    func = click.option("--rate", "rates", multiple=True, metavar="SOURCE=PRICE",
                        help="Licence fee per object for a source (overrides the pricing file); repeatable.")(func)
    return func


def _rates(values) -> dict:
    from csdl.units import parse_decimal

    out = {}
    for value in values:
        name, sep, price = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"`{value}`: expected SOURCE=PRICE, e.g. twitter=0.0001", param_hint="--rate")
        try:
            out[name.strip().lower()] = parse_decimal(price, f"--rate {name.strip()}")
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--rate") from None
    return out


class _Context:
    """Configuration, library and pricing, resolved once per command."""

    def __init__(self, library_dir, pricing_file, config_file, isolated):
        config = load_config(config_file, isolated)
        self.library, self.pricing = resolve(library_dir, pricing_file, config)
        self.checks = check_options(config)


def _filter_dpus(paths, stdin_filename, dpus, ctx: _Context, *, single: bool = False):
    """[(name, DPU)] from filter files and --dpu values; invalid filters print diagnostics and exit 1."""
    import csdl
    from csdl.cli.reporters import REPORTERS, FileResult

    if single and len(paths) + len(dpus) > 1:
        raise click.UsageError("this bill takes one filter (one FILE or one --dpu)")
    out = []
    failed = []
    if paths:
        for source in sources(paths, stdin_filename):
            diagnostics = [source.error] if source.error else []
            if not diagnostics:
                try:
                    report = csdl.cost(source.text, library=ctx.library, pricing=ctx.pricing, checks=ctx.checks)
                except csdl.CSDLError as exc:
                    diagnostics = exc.diagnostics
                else:
                    for w in report.warnings:
                        log(f"{source.path}:{w.span.line}:{w.span.column}: warning: {w.code} {w.message}")
                    out.append({"path": source.path, "dpu": report.dpu, "complete": report.complete})
                    continue
            failed.append(FileResult(source.path, source.text, diagnostics))
    if failed:
        click.echo(REPORTERS["full"](failed, color=use_color(sys.stderr)), err=True, nl=False)
        raise SystemExit(EXIT_PROBLEMS)
    out.extend({"path": None, "dpu": d, "complete": True} for d in dpus)
    if not out:
        raise click.UsageError("name a filter file (or -) or give --dpu")
    return out


def _emit(bill, filters, output_format, output):
    from csdl.units import dpu_json

    if output_format == "json":
        import json

        data = bill.to_dict()
        if filters is not None:
            data["filters"] = [{"path": f["path"], "dpu": dpu_json(f["dpu"]), "complete": f["complete"]} for f in filters]
            data["complete"] = all(f["complete"] for f in filters)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        rows = []
        for f in filters or []:
            if f["path"] is not None:
                rows.append((f"Filter {f['path']}", f"{dpu_json(f['dpu'])} DPU" + ("" if f["complete"] else " + unknown")))
        rows += bill.lines
        width = max(len(label) for label, _ in rows)
        value_width = max(len(value) for _, value in rows)
        lines = [f"{label.ljust(width)}  {value.rjust(value_width)}" for label, value in rows]
        lines += [f"note: {n}" for n in bill.notes]
        text = "\n".join(lines) + "\n"
    write_output(text, output)


def _billing_call(func, *args, **kwargs):
    from csdl.billing import BillingError

    try:
        return func(*args, **kwargs)
    except BillingError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("bill")
def bill():
    """Forecast what running filters costs in money: on demand, subscription, Historics, preview.

    \b
    Examples:
      csdl bill stream filter.csdl --hours 720 --objects-per-hour 1200
      csdl bill stream --dpu 0.1 --dpu 0.1 --hours 24
      csdl bill subscription filter.csdl --allowance 500 --limit 2500 --objects-per-hour 5000
      csdl bill historics filter.csdl --start 2024-03-01 --end 2024-03-31 --sample 10 --objects 1212194
      csdl bill preview
    """


@bill.command("stream")
@click.argument("paths", nargs=-1, metavar="[FILE|-]...")
@_filter_options
@click.option("--hours", type=DECIMAL, required=True, help="How long the streams run.")
@click.option("--objects", type=DECIMAL, default=None, help="Objects delivered in that time (all streams).")
@click.option("--objects-per-hour", type=DECIMAL, default=None, help="Objects delivered per hour (all streams).")
@_licence_options
@_common
def bill_stream(paths, stdin_filename, dpus, hours, objects, objects_per_hour, source, rates, output_format, output,
                library_dir, pricing_file, config_file, isolated):
    """On demand: streams running together for HOURS, with the 1 DPU/hour minimum and licence fees.

    \b
    Examples:
      csdl bill stream filter.csdl --hours 720 --objects-per-hour 1200
      csdl bill stream a.csdl b.csdl --hours 24 --objects 50000
      csdl bill stream --dpu 1 --hours 6 --objects 4000 --format json
    """
    from csdl import billing

    if objects is not None and objects_per_hour is not None:
        raise click.UsageError("give --objects or --objects-per-hour, not both")
    ctx = _Context(library_dir, pricing_file, config_file, isolated)
    filters = _filter_dpus(paths, stdin_filename, dpus, ctx)
    total_objects = objects if objects is not None else (objects_per_hour or 0) * hours
    result = _billing_call(billing.stream, [f["dpu"] for f in filters], hours, objects=total_objects, source=source,
                           rates=_rates(rates), pricing=ctx.pricing)
    _emit(result, filters, output_format, output)


@bill.command("subscription")
@click.argument("paths", nargs=-1, metavar="[FILE|-]...")
@_filter_options
@click.option("--allowance", type=DECIMAL, required=True, help="DPU-hours included in the monthly subscription.")
@click.option("--limit", type=DECIMAL, required=True, help="The variable cost limit in dollars.")
@click.option("--objects-per-hour", type=DECIMAL, default=0, help="Objects delivered per hour (all streams).")
@click.option("--fee", type=DECIMAL, default=None, help="The subscription's fixed monthly price, for a month total.")
@click.option("--month-hours", type=DECIMAL, default=None, help="Hours in the billing month (pricing default: 720).")
@_licence_options
@_common
def bill_subscription(paths, stdin_filename, dpus, allowance, limit, objects_per_hour, fee, month_hours, source, rates,
                      output_format, output, library_dir, pricing_file, config_file, isolated):
    """A month on a subscription: allowance, excess DPU-hours, and when the variable cost limit's
    80 % notice and 100 % stop are reached (hours from the start of the month, and the day).

    \b
    Examples:
      csdl bill subscription filter.csdl --allowance 500 --limit 2500 --objects-per-hour 5000
      csdl bill subscription --dpu 3 --allowance 1000 --limit 400 --fee 1500 --format json
    """
    from csdl import billing

    ctx = _Context(library_dir, pricing_file, config_file, isolated)
    filters = _filter_dpus(paths, stdin_filename, dpus, ctx)
    result = _billing_call(billing.subscription, [f["dpu"] for f in filters], allowance=allowance, limit=limit,
                           objects_per_hour=objects_per_hour, source=source, fee=fee, hours=month_hours,
                           rates=_rates(rates), pricing=ctx.pricing)
    _emit(result, filters, output_format, output)


@bill.command("historics")
@click.argument("paths", nargs=-1, metavar="[FILE|-]")
@_filter_options
@click.option("--start", metavar="DATE", help="Start of the query (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC).")
@click.option("--end", metavar="DATE", help="End of the query.")
@click.option("--hours", type=DECIMAL, default=None, help="The query's duration, instead of --start/--end.")
@click.option("--days", type=DECIMAL, default=None, help="The query's duration in days, instead of --start/--end.")
@click.option("--sample", type=click.Choice(["100", "10"]), default="100", show_default=True, help="Sample size in percent.")
@click.option("--objects", type=DECIMAL, default=0, help="Objects the query retrieves (for the licence fee).")
@_licence_options
@_common
def bill_historics(paths, stdin_filename, dpus, start, end, hours, days, sample, objects, source, rates, output_format,
                   output, library_dir, pricing_file, config_file, isolated):
    """A Historics query: DPU usage (1 DPU/hour minimum × duration × sample factor), licence fees
    for the objects retrieved, and a run-time estimate.

    \b
    Examples:
      csdl bill historics filter.csdl --start 2024-03-01 --end 2024-03-31 --sample 10
      csdl bill historics --dpu 2 --hours 24 --objects 1212194 --format json
    """
    from csdl import billing

    given = [name for name, value in (("--start/--end", start or end), ("--hours", hours), ("--days", days)) if value]
    if len(given) != 1:
        raise click.UsageError("give the query's time range as --start and --end, or as --hours or --days")
    begin = finish = None
    if start or end:
        if not (start and end):
            raise click.UsageError("--start and --end go together")
        begin = _billing_call(billing.parse_when, start, "--start")
        finish = _billing_call(billing.parse_when, end, "--end")
        duration = _billing_call(billing.duration_hours, begin, finish)
    else:
        duration = hours if hours is not None else days * 24
    ctx = _Context(library_dir, pricing_file, config_file, isolated)
    filters = _filter_dpus(paths, stdin_filename, dpus, ctx, single=True)
    result = _billing_call(billing.historics, filters[0]["dpu"], duration, sample=int(sample), objects=objects,
                           source=source, rates=_rates(rates), pricing=ctx.pricing, start=begin, end=finish)
    _emit(result, filters, output_format, output)


@bill.command("preview")
@_common
def bill_preview(output_format, output, library_dir, pricing_file, config_file, isolated):
    """A Historics preview: a fixed 20 DPU per request, no licence fee.

    \b
    Example:
      csdl bill preview --format json
    """
    from csdl import billing

    ctx = _Context(library_dir, pricing_file, config_file, isolated)
    _emit(billing.preview(pricing=ctx.pricing), None, output_format, output)
