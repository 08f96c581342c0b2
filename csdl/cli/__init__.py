"""The ``csdl`` command line: one Click group whose commands are imported only when used.

Each command lives in its own module; ``COMMANDS`` maps a command name to ``module:attribute``.
Lazy loading keeps ``csdl check`` from importing the cost model, the billing tables or the
evaluator, which is most of what makes a CLI slow to start.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from csdl.version import __version__

COMMANDS = {
    "bill": "csdl.cli.bill_cmd:bill",
    "check": "csdl.cli.check_cmd:check",
    "compile": "csdl.cli.compile_cmd:compile_command",
    "cost": "csdl.cli.cost_cmd:cost_command",
    "format": "csdl.cli.format_cmd:format_command",
    "lsp": "csdl.cli.lsp_cmd:lsp_command",
    "parse": "csdl.cli.parse_cmd:parse_command",
    "rule": "csdl.cli.rules_cmd:rule",
    "run": "csdl.cli.run_cmd:run",
    "rules": "csdl.cli.rules_cmd:rules",
    "sql": "csdl.cli.sql_cmd:sql_command",
    "serve": "csdl.cli.serve_cmd:serve_command",
    "version": "csdl.cli.version_cmd:version",
}

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def invoke(self, ctx):
        from csdl.cli.output import unreadable_inputs

        unreadable_inputs.clear()
        try:
            return super().invoke(ctx)
        except SystemExit as exc:
            if unreadable_inputs and exc.code in (None, EXIT_CLEAN, EXIT_PROBLEMS):
                # the command reported the file (E009 in check); the invocation still failed
                raise SystemExit(EXIT_ERROR) from None
            raise
        except BrokenPipeError:
            # The reader went away (`csdl run … | head -1`): not an error of ours. Caught here,
            # before Click turns it into a silent exit 1.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(EXIT_CLEAN) from None

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if args and name not in COMMANDS and not name.startswith("-"):
            import difflib

            guess = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f" Did you mean `{guess[0]}`?" if guess else " `csdl --help` lists the commands."
            ctx.fail(f"No such command `{name}`.{hint}")
        return super().resolve_command(ctx, args)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(version=__version__, prog_name="csdl", message="%(prog)s %(version)s")
def cli():
    """Offline toolkit for DataSift's CSDL filter language.

    \b
    Examples:
      csdl check filters/                 validate every *.csdl file below filters/
      csdl cost filter.csdl               DPU cost with a per-operator breakdown
      csdl format --check filters/        fail if a file is not canonically formatted
      echo 'twitter.text contains "x"' | csdl parse -

    Exit codes: 0 clean, 1 problems found (or a budget broken), 2 usage, configuration or
    internal error.
    """


def main(argv=None):
    """Console entry point. Every failure is said one way, as ruff says it: ``error: …`` on stderr
    and exit code 2 (usage errors, a missing extra, an input that cannot be read, a bug of ours,
    without a traceback); 130 on Ctrl-C."""
    sys.exit(invoke(argv))


def invoke(argv) -> int:
    """Run the command line; the exit code."""
    from csdl.cli.output import error
    from csdl.extras import MissingExtra

    try:
        cli.main(args=argv, prog_name="csdl", standalone_mode=False)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or EXIT_CLEAN
        error(str(exc.code))
        return EXIT_ERROR
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        show_usage_error(exc)
        return EXIT_ERROR
    except click.ClickException as exc:
        error(exc.format_message())
        return EXIT_ERROR
    except MissingExtra as exc:
        error(str(exc))
        return EXIT_ERROR
    except (click.exceptions.Abort, KeyboardInterrupt):  # Click's name for Ctrl-C: exit as a shell expects
        error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`csdl parse big.csdl | head`); that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN
    except Exception as exc:  # a bug of ours: say so plainly, traceback only on request
        if os.environ.get("CSDL_DEBUG"):
            raise
        error(f"internal error: {type(exc).__name__}: {exc} (set CSDL_DEBUG=1 for a traceback)")
        return EXIT_ERROR
    return EXIT_CLEAN


def show_usage_error(exc: click.UsageError) -> None:
    """``error: …``, then the command's usage line and where its help is (as ruff prints them)."""
    from csdl.cli.output import error

    error(exc.format_message())
    if exc.ctx is not None:
        click.echo(f"\n{exc.ctx.get_usage()}\n\nFor more information, try '{exc.ctx.command_path} --help'.",
                   err=True)
