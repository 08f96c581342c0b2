from __future__ import annotations

import sys

import click

from csdl.cli import EXIT_PROBLEMS
from csdl.cli.common_options import resolved, shared_options
from csdl.cli.inputs import single_source
from csdl.cli.output import log, use_color, write_output


@click.command("compile")
@click.argument("path", metavar="FILE|-")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help='text: the canonical filter under `// hash` and `// dpu` comments; json: {"hash", "dpu", "csdl"}.')
@click.option("-o", "--output", metavar="FILE", help="Write the result to FILE (atomically) instead of stdout.")
@click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")
@shared_options
def compile_command(path, output_format, output, stdin_filename, library_dir, pricing_file, config_file, isolated):
    """Validate a filter and print its canonical form, DPU cost and hash.

    The hash is ours (MD5 of the canonical text without comments), not DataSift's: comments and
    layout never change it.

    \b
    Examples:
      csdl compile filter.csdl
      csdl compile filter.csdl --format json
      echo 'twitter.text contains "coffee"' | csdl compile - --format json
    """
    import csdl
    from csdl.cli.reporters import REPORTERS, FileResult

    settings = resolved(library_dir, pricing_file, config_file, isolated)
    source = single_source(path, stdin_filename)
    diagnostics = [source.error] if source.error else []
    compiled = None
    if not diagnostics:
        try:
            compiled = csdl.compile(source.text, library=settings.library, pricing=settings.pricing,
                                    checks=settings.checks(None if source.is_stdin else source.path))
        except csdl.CSDLError as exc:
            diagnostics = exc.diagnostics
    if compiled is None:
        report = REPORTERS["full"]([FileResult(source.path, source.text, diagnostics)], color=use_color(sys.stderr))
        click.echo(report, err=True, nl=False)
        raise SystemExit(EXIT_PROBLEMS)
    for w in compiled.report.warnings:
        log(w.one_line(source.path, severity=True))
    if output_format == "json":
        import json

        data = compiled.to_dict()
        if not compiled.complete:
            data["complete"] = False  # the DPU leaves out streams the library could not resolve
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        from csdl.units import dpu_text

        dpu = dpu_text(compiled.dpu) + ("" if compiled.complete else " + unknown (unresolved references)")
        text = f"// hash: {compiled.hash}\n// dpu: {dpu}\n{compiled.csdl}"
    write_output(text, output)
