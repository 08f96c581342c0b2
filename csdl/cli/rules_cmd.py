"""``csdl rules`` (the table of codes) and ``csdl rule CODE`` (one rule's documentation)."""

from __future__ import annotations

import click

from csdl.cli import EXIT_ERROR
from csdl.cli.output import error, use_color


@click.command()
@click.option("--output-format", "--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="How to print the table.")
@click.option("--select", "prefix", metavar="PREFIX", help="Only codes starting with PREFIX (e.g. W1).")
def rules(output_format, prefix):
    """List every diagnostic code with its name and summary.

    \b
    Examples:
      csdl rules
      csdl rules --select W
      csdl rules --format markdown > docs/rules.md
    """
    from csdl.codes import registry

    infos = [i for i in registry().values() if not prefix or i.code.startswith(prefix.strip().upper())]
    if not infos:
        groups = sorted({i.code[0] for i in registry().values()})
        error(f"no code starts with `{prefix}`; codes start with {', '.join(groups)}")
        raise SystemExit(EXIT_ERROR)
    if output_format == "json":
        import json

        click.echo(json.dumps([i.to_dict() for i in infos], indent=2))
        return
    if output_format == "markdown":
        click.echo("| code | name | severity | group | summary |")
        click.echo("|---|---|---|---|---|")
        for i in infos:
            summary = i.summary.replace("|", "\\|")
            click.echo(f"| `{i.code}` | `{i.name}` | {i.severity} | {i.group} | {summary} |")
        return
    width = max((len(i.name) for i in infos), default=0)
    group = None
    for i in infos:
        if i.group != group:
            if group is not None:
                click.echo("")
            group = i.group
            click.echo(click.style(group, bold=True) if use_color() else group)
        click.echo(f"  {i.code}  {i.name:<{width}}  {i.summary}")


@click.command()
@click.argument("code")
def rule(code):
    """Print the documentation of one rule, by code (W101) or name (contains-to-contains-any).

    \b
    Examples:
      csdl rule W101
      csdl rule unknown-target
    """
    from csdl.codes import find, registry

    info = find(code)
    if info is None:
        import difflib

        table = registry()
        names = list(table) + [i.name for i in table.values()]
        guess = difflib.get_close_matches(code, names, n=1)
        hint = f"; did you mean `{guess[0]}`?" if guess else "; `csdl rules` lists them"
        error(f"unknown rule `{code}`{hint}")
        raise SystemExit(EXIT_ERROR)
    click.echo(f"{info.code} {info.name} ({info.severity}, {info.group})")
    click.echo("")
    click.echo(info.summary)
    if info.doc:
        click.echo("")
        click.echo(info.doc.rstrip())
