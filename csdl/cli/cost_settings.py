"""Options shared by ``csdl cost``, ``csdl compile`` and ``csdl bill``: the stream library, the
pricing file and budgets, from flags first and then from the configuration (``csdl.config``)."""

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


def load_config(config_file: str | None, isolated: bool):
    """The configuration for the current directory (``csdl.config``); a broken one is a usage error."""
    from csdl.config import ConfigError, load_config as discover

    try:
        return discover(os.getcwd(), explicit_path=config_file, isolated=isolated)
    except ConfigError as exc:
        from csdl.cli.output import UsageProblem

        raise UsageProblem(str(exc)) from None


def config_decimal(config, name: str):
    """A numeric config value as a Decimal (config values may arrive as int, float or str)."""
    value = getattr(config, name)
    if value is None:
        return None
    from csdl.units import parse_decimal

    try:
        return parse_decimal(str(value), f"configuration `{name.replace('_', '-')}`")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def resolve(library_dir, pricing_file, config):
    """(library or None, pricing) from the flags, else from the configuration."""
    from csdl.library import Library, LibraryError
    from csdl.billing.pricing import PricingError, load_pricing

    library_dir = library_dir or config.library
    pricing_file = pricing_file or config.pricing
    try:
        pricing = load_pricing(os.fspath(pricing_file) if pricing_file else None)
    except PricingError as exc:
        raise click.ClickException(str(exc)) from None
    library = None
    if library_dir:
        try:
            library = Library(os.fspath(library_dir))
        except LibraryError as exc:
            raise click.ClickException(str(exc)) from None
    return library, pricing


def check_options(config) -> dict:
    """The configuration's rule selection and platform, for the validation that runs before costing."""
    out = {"platform": config.platform}
    for name in ("select", "ignore", "extend_select"):
        value = getattr(config, name)
        if value:
            out[name] = value
    return out
