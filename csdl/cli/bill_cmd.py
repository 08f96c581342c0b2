from __future__ import annotations

import sys

import click

from csdl.cli import EXIT_PROBLEMS
from csdl.cli.common_options import DECIMAL, parse_rates, resolved, shared_options
from csdl.cli.inputs import single_source, sources
from csdl.cli.output import log, use_color, write_output


def _common(func):
    func = click.option("-o", "--output", metavar="FILE", help="Write the result to FILE (atomically).")(func)
    func = click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
                        show_default=True)(func)
    return shared_options(func)


def _when_amount(value: str, param: str):
    """``WHEN=AMOUNT`` -> (hour Decimal or trigger word, Decimal)."""
    from csdl.billing.subscription import TRIGGERS
    from csdl.units import parse_decimal

    when, sep, number = value.partition("=")
    if not sep:
        raise click.BadParameter(f"`{value}`: expected WHEN=DOLLARS, e.g. 400=2500 or notice=2500", param_hint=param)
    when = when.strip().lower()
    try:
        new = parse_decimal(number, param)
        moment = when if when in TRIGGERS else parse_decimal(when, f"{param} hour")
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (WHEN is an hour of the month, `notice` or `stop`)", param_hint=param) from None
    return moment, new


def _dpu_at(value: str, param: str):
    """``DPU[@HOUR]`` -> (Decimal, Decimal hour)."""
    from decimal import Decimal

    from csdl.units import parse_decimal

    dpu, _, hour = value.partition("@")
    try:
        return parse_decimal(dpu, param), parse_decimal(hour, f"{param} hour") if hour.strip() else Decimal(0)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=param) from None


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


class _Context:
    """Configuration, library and pricing, resolved once per command."""

    def __init__(self, library_dir, pricing_file, config_file, isolated):
        self.settings = resolved(library_dir, pricing_file, config_file, isolated)
        self.library, self.pricing = self.settings.library, self.settings.pricing


def _filter_dpus(paths, stdin_filename, dpus, ctx: _Context, *, single: bool = False):
    """[(name, DPU)] from filter files and --dpu values; invalid filters print diagnostics and exit 1."""
    import csdl
    from csdl.cli.reporters import REPORTERS, FileResult

    if single and len(paths) + len(dpus) > 1:
        raise click.UsageError("this bill takes one filter (one FILE or one --dpu)")
    out = []
    failed = []
    if paths:
        for source in [single_source(paths[0], stdin_filename)] if single else sources(paths, stdin_filename):
            diagnostics = [source.error] if source.error else []
            if not diagnostics:
                try:
                    report = csdl.cost(source.text, library=ctx.library, pricing=ctx.pricing,
                                       checks=ctx.settings.checks(None if source.is_stdin else source.path))
                except csdl.CSDLError as exc:
                    diagnostics = exc.diagnostics
                else:
                    for w in report.warnings:
                        log(w.one_line(source.path, severity=True))
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
        hint = f"; {exc.cli_hint}" if getattr(exc, "cli_hint", None) else ""
        raise click.ClickException(f"{exc}{hint}") from None


@click.group("bill")
def bill():
    """Forecast what running filters costs in money: on demand, subscription, Historics, preview.

    On demand also from a credit balance (`bill credits`); a subscription month with its variable
    cost limit, changes to it and Historics queries drawing on the allowance.

    \b
    Examples:
      csdl bill stream filter.csdl --hours 720 --objects-per-hour 1200
      csdl bill stream --dpu 0.1 --dpu 0.1 --hours 24
      csdl bill credits filter.csdl --buy 50 --objects-per-hour 1000
      csdl bill subscription filter.csdl --allowance 500 --limit 2500 --objects-per-hour 5000
      csdl bill subscription --dpu 1 --allowance 720 --limit 2000 --set-limit notice=2500 --objects-per-hour 50000
      csdl bill historics filter.csdl --start 2024-03-01 --end 2024-04-01 --sample 10 --objects 1212194
      csdl bill preview a.csdl b.csdl --format json

    Dates are UTC; a query's --end is exclusive (--end 2024-04-01 includes all of 31 March).
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
                           rates=parse_rates(rates), pricing=ctx.pricing)
    _emit(result, filters, output_format, output)


@bill.command("credits")
@click.argument("paths", nargs=-1, metavar="[FILE|-]...")
@_filter_options
@click.option("--balance", type=DECIMAL, default=0, help="Credits in the account now.")
@click.option("--buy", type=DECIMAL, default=0, help="Dollars of credits bought now (in $10 increments).")
@click.option("--objects-per-hour", type=DECIMAL, default=0, help="Objects delivered per hour (all streams).")
@click.option("--hours", type=DECIMAL, default=None, help="Also say what to buy to run this many hours.")
@click.option("--low", type=DECIMAL, default=None, metavar="CREDITS", help="Also say when the balance falls to CREDITS.")
@_licence_options
@_common
def bill_credits(paths, stdin_filename, dpus, balance, buy, objects_per_hour, hours, low, source, rates, output_format,
                 output, library_dir, pricing_file, config_file, isolated):
    """On demand with credits: the streams' DPU and licence fees run the balance down; at zero the
    streams stop. Says when (hours from now, and the day), and what to buy to run longer.

    \b
    Examples:
      csdl bill credits filter.csdl --buy 10
      csdl bill credits --dpu 0.1 --balance 4.5 --buy 20 --objects-per-hour 1000 --hours 720
    """
    from csdl import billing

    ctx = _Context(library_dir, pricing_file, config_file, isolated)
    filters = _filter_dpus(paths, stdin_filename, dpus, ctx)
    result = _billing_call(billing.credit_balance, [f["dpu"] for f in filters], balance=balance, buy=buy,
                           objects_per_hour=objects_per_hour, hours=hours, low=low, source=source,
                           rates=parse_rates(rates), pricing=ctx.pricing)
    _emit(result, filters, output_format, output)


@bill.command("subscription")
@click.argument("paths", nargs=-1, metavar="[FILE|-]...")
@_filter_options
@click.option("--allowance", type=DECIMAL, required=True, help="DPU-hours included in the monthly subscription.")
@click.option("--limit", type=DECIMAL, required=True, help="The variable cost limit in dollars.")
@click.option("--objects-per-hour", type=DECIMAL, default=0, help="Objects delivered per hour (all streams).")
@click.option("--fee", type=DECIMAL, default=None, help="The subscription's fixed monthly price, for a month total.")
@click.option("--month-hours", type=DECIMAL, default=None, help="Hours in the billing month (pricing default: 720).")
@click.option("--set-limit", "limit_changes", multiple=True, metavar="WHEN=DOLLARS",
              help="Change the variable cost limit during the month: WHEN is an hour of the month, `notice` (when the "
                   "80 % notice arrives) or `stop` (when the streams stop). Repeatable.")
@click.option("--historics-dpu", "historics", multiple=True, metavar="DPU[@HOUR]",
              help="A Historics query's DPU usage, drawn from the allowance at HOUR (default 0). Repeatable.")
@_licence_options
@_common
def bill_subscription(paths, stdin_filename, dpus, allowance, limit, objects_per_hour, fee, month_hours, limit_changes,
                      historics, source, rates, output_format, output, library_dir, pricing_file, config_file, isolated):
    """A month on a subscription: allowance, excess DPU-hours, and when the variable cost limit's
    80 % notice and 100 % stop are reached (hours from the start of the month, and the day).
    Historics queries draw on the same allowance; a raised limit restarts stopped streams.

    \b
    Examples:
      csdl bill subscription filter.csdl --allowance 500 --limit 2500 --objects-per-hour 5000
      csdl bill subscription --dpu 3 --allowance 1000 --limit 400 --fee 1500 --format json
      csdl bill subscription --dpu 1 --allowance 720 --limit 2000 --objects-per-hour 50000 --set-limit notice=2500
      csdl bill subscription --dpu 1 --allowance 1000 --limit 2500 --historics-dpu 288@100
    """
    from csdl import billing

    ctx = _Context(library_dir, pricing_file, config_file, isolated)
    filters = _filter_dpus(paths, stdin_filename, dpus, ctx)
    changes = [_when_amount(v, "--set-limit") for v in limit_changes]
    draws = [_dpu_at(v, "--historics-dpu") for v in historics]
    result = _billing_call(billing.subscription, [f["dpu"] for f in filters], allowance=allowance, limit=limit,
                           objects_per_hour=objects_per_hour, source=source, fee=fee, hours=month_hours,
                           rates=parse_rates(rates), pricing=ctx.pricing, limit_changes=changes, historics=draws)
    _emit(result, filters, output_format, output)


@bill.command("historics")
@click.argument("paths", nargs=-1, metavar="[FILE|-]")
@_filter_options
@click.option("--start", metavar="DATE", help="Start of the query (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC).")
@click.option("--end", metavar="DATE",
              help="End of the query, exclusive: --end 2024-04-01 runs to midnight, so all of 31 March is included.")
@click.option("--hours", type=DECIMAL, default=None, help="The query's duration, instead of --start/--end.")
@click.option("--days", type=DECIMAL, default=None, help="The query's duration in days, instead of --start/--end.")
@click.option("--sample", type=click.Choice(["100", "10"]), default="100", show_default=True, help="Sample size in percent.")
@click.option("--objects", type=DECIMAL, default=0, help="Objects the query retrieves (for the licence fee).")
@click.option("--progress", type=DECIMAL, default=None, metavar="PERCENT",
              help="The query was stopped midway, this far through its time range: charged up to there.")
@click.option("--stopped-at", metavar="DATE", help="The query was stopped midway at DATE (between --start and --end).")
@click.option("--allowance", type=DECIMAL, default=None,
              help="The subscription's DPU allowance left before the query: say what it draws and what is left.")
@_licence_options
@_common
def bill_historics(paths, stdin_filename, dpus, start, end, hours, days, sample, objects, progress, stopped_at,
                   allowance, source, rates, output_format, output, library_dir, pricing_file, config_file, isolated):
    """A Historics query: DPU usage (1 DPU/hour minimum × duration × sample factor), licence fees
    for the objects retrieved, and a run-time estimate. The end date is exclusive.

    \b
    Examples:
      csdl bill historics filter.csdl --start 2024-03-01 --end 2024-04-01 --sample 10
      csdl bill historics --dpu 2 --hours 24 --objects 1212194 --format json
      csdl bill historics --dpu 0.1 --days 30 --sample 10 --progress 50 --allowance 1000
    """
    from csdl import billing

    given = [name for name, value in (("--start/--end", start or end), ("--hours", hours), ("--days", days))
             if value is not None]
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
    stop = None
    if stopped_at is not None:
        if begin is None:
            raise click.UsageError("--stopped-at needs --start and --end (or give --progress)")
        stop = _billing_call(billing.parse_when, stopped_at, "--stopped-at")
    ctx = _Context(library_dir, pricing_file, config_file, isolated)
    filters = _filter_dpus(paths, stdin_filename, dpus, ctx, single=True)
    result = _billing_call(billing.historics, filters[0]["dpu"], duration, sample=int(sample), objects=objects,
                           source=source, rates=parse_rates(rates), pricing=ctx.pricing, start=begin, end=finish,
                           progress=progress, stopped_at=stop, allowance=allowance)
    _emit(result, filters, output_format, output)


@bill.command("preview")
@click.argument("paths", nargs=-1, metavar="[FILE|-]...")
@click.option("--stream", "hashes", multiple=True, metavar="HASH", help="A request for the stream with this hash; repeatable.")
@click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")
@_common
def bill_preview(paths, hashes, stdin_filename, output_format, output, library_dir, pricing_file, config_file, isolated):
    """Historics previews: a fixed 20 DPU per completed request, no licence fee. Each FILE (or
    --stream HASH) is one request; a stream has one preview at a time, so a second request for the
    same stream replaces the first (both are charged).

    \b
    Examples:
      csdl bill preview --format json
      csdl bill preview a.csdl b.csdl
      csdl bill preview --stream f0596f03644177b8bf5b59708a08bfe8 --stream f0596f03644177b8bf5b59708a08bfe8
    """
    from csdl import billing

    if library_dir:
        raise click.UsageError("bill preview takes no --library: a preview costs the same whatever the filter "
                               "references (name the streams as FILEs or --stream HASH)")
    import re

    for value in hashes:
        if not re.fullmatch(r"[0-9a-fA-F]{32}", value):
            raise click.BadParameter(f"`{value}` is not a stream hash (32 hexadecimal digits)", param_hint="--stream")
    ctx = _Context(None, pricing_file, config_file, isolated)
    streams = _preview_streams(paths, stdin_filename) + [h.lower() for h in hashes] if paths or hashes else None
    _emit(_billing_call(billing.preview, streams, pricing=ctx.pricing), None, output_format, output)


def _preview_streams(paths, stdin_filename) -> list[str]:
    """The hash of each filter file (as `csdl compile` computes it); invalid filters exit 1."""
    import csdl
    from csdl.cli.reporters import REPORTERS, FileResult

    out, failed = [], []
    for source in sources(paths, stdin_filename) if paths else ():
        if source.error:
            failed.append(FileResult(source.path, source.text, [source.error]))
            continue
        try:
            out.append(csdl.compile(source.text).hash)
        except csdl.CSDLError as exc:
            failed.append(FileResult(source.path, source.text, exc.diagnostics))
    if failed:
        click.echo(REPORTERS["full"](failed, color=use_color(sys.stderr)), err=True, nl=False)
        raise SystemExit(EXIT_PROBLEMS)
    return out
