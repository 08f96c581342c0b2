from __future__ import annotations

import click

from csdl.cli import EXIT_PROBLEMS
from csdl.cli.inputs import parsed, single_source
from csdl.cli.output import use_color, write_output
from csdl.cli.reporters import REPORTERS, FileResult


@click.command("parse")
@click.argument("path", metavar="FILE|-")
@click.option("--format", "output_format", type=click.Choice(["json", "tree"]), default="json", show_default=True,
              help="json: the AST as JSON with source spans; tree: an indented outline.")
@click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")
def parse_command(path, output_format, stdin_filename):
    """Parse one filter and print its syntax tree.

    \b
    Examples:
      csdl parse filter.csdl
      echo 'twitter.text contains "coffee"' | csdl parse -
      csdl parse filter.csdl --format tree
    """
    source = single_source(path, stdin_filename)
    tree, diagnostics = parsed(source)
    if tree is None:
        click.echo(REPORTERS["full"]([FileResult(source.path, source.text, diagnostics)], color=use_color()), err=True, nl=False)
        raise SystemExit(EXIT_PROBLEMS)
    if output_format == "json":
        import json

        write_output(json.dumps(tree.to_dict(), indent=2, ensure_ascii=False) + "\n", None)
    else:
        write_output(outline(tree), None)


def outline(tree) -> str:
    """An indented one-line-per-node view of the tree, built without recursion."""
    lines = []
    stack = [(tree, 0)]
    while stack:
        node, level = stack.pop()
        label = node.kind
        for name in node._fields:
            value = getattr(node, name)
            if value is None or isinstance(value, tuple) and (not value or hasattr(value[0], "kind")) or hasattr(value, "kind"):
                continue
            if isinstance(value, tuple) and len(value) > 6:
                value = f"<{len(value):,} items>"
            label += f" {name}={value!r}"
        lines.append(f"{'  ' * level}{label}  @{node.span.line}:{node.span.column}")
        stack.extend((child, level + 1) for child in reversed(node.children()))
    return "\n".join(lines) + "\n"
