"""Options shared by the commands that cost or run a filter (``csdl cost``, ``compile``, ``bill``,
``run`` and ``sql``): ``--library``, ``--pricing``, ``--config`` and ``--isolated``, handed to the one
settings resolver (``csdl.config.resolve``) by ``resolved``, and the exact decimal type of their
budgets and amounts."""

from __future__ import annotations

import os

import click


_LARGEST = 10**15


class DecimalParam(click.ParamType):
    """A decimal number read exactly (never through a float)."""

    name = "NUMBER"

    def __init__(self, minimum=0):
        self.minimum = minimum

    def convert(self, value, param, ctx):
        from decimal import Decimal

        from csdl.units import parse_decimal

        if isinstance(value, Decimal):
            return value
        name = param.opts[0] if param else "value"
        try:
            number = parse_decimal(value, name)
        except ValueError as exc:
            message = str(exc)  # Click names the option itself: do not say it twice
            self.fail(message[len(name) + 2:] if message.startswith(f"{name}: ") else message, param, ctx)
        if self.minimum is not None and number < self.minimum:
            self.fail(f"`{value}` must not be negative", param, ctx)
        if abs(number) >= _LARGEST:
            self.fail(f"`{value}` is too large", param, ctx)
        return number


DECIMAL = DecimalParam()


def shared_options(func):
    """--library, --pricing, --config, --isolated."""
    for option in reversed([
        click.option("--library", "library_dir", metavar="DIR",
                     help="Directory of .csdl files that resolves stream \"<hash>\" and tags \"<hash>\"."),
        click.option("--pricing", "pricing_file", metavar="FILE",
                     help="A pricing TOML file overriding the packaged prices (same keys)."),
        click.option("--config", "config_file", metavar="FILE", help="Use this configuration file."),
        click.option("--isolated", is_flag=True, help="Ignore configuration files."),
    ]):
        func = option(func)
    return func


def resolved(library_dir=None, pricing_file=None, config_file=None, isolated=False, *, platform=None, **flags):
    """The settings of this run (``csdl.config.resolve`` from the current directory, these flags
    over the configuration); a broken configuration, pricing file or library is a usage error that
    names the file, the key and the path."""
    from csdl.config import ConfigError, resolve

    try:
        return resolve(os.getcwd(), config_path=config_file, isolated=isolated, platform=platform,
                       library=library_dir, pricing=pricing_file, **flags)
    except ConfigError as exc:
        from csdl.cli.output import UsageProblem

        raise UsageProblem(str(exc)) from None


def parse_rates(values) -> dict:
    """``--rate SOURCE=PRICE`` values as {source: Decimal}."""
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
