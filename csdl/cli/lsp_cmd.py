from __future__ import annotations

import click


def _address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise click.BadParameter(f"`{value}`: expected HOST:PORT, e.g. 127.0.0.1:2087", param_hint="--tcp")
    return host.strip("[]"), int(port)


@click.command("lsp")
@click.option("--tcp", "tcp", metavar="HOST:PORT",
              help="Listen on a TCP port instead of speaking over stdin/stdout. The first connection that sends "
                   "`initialize` is the one client; then the port closes.")
@click.option("-v", "--verbose", count=True, help="Log to stderr: -v what the server does, -vv every message.")
def lsp_command(tcp, verbose):
    """Run the CSDL language server (LSP) for editors.

    Diagnostics as you type, hover with targets, operators and DPU cost, completion, quick fixes,
    formatting and document symbols — from the same checker, linter and cost model as `csdl check`
    and `csdl cost`. Settings come from the closest csdl.toml or pyproject.toml [tool.csdl] of each
    file, as for `csdl check`. Needs the optional extra: pip install 'datasift-csdl[lsp]'
    (from a checkout: pip install '.[lsp]').

    \b
    Examples:
      csdl lsp                      stdio (what editors start)
      csdl lsp --tcp 127.0.0.1:2087 one client over TCP
    """
    address = _address(tcp) if tcp else None
    from csdl.extras import require_extra

    require_extra("lsp", purpose="csdl lsp")
    import logging
    import os

    logging.basicConfig(level=logging.WARNING, format="csdl lsp: %(levelname)s: %(name)s: %(message)s")
    if verbose:
        logging.getLogger("csdl").setLevel(logging.DEBUG)
    if verbose > 1:
        logging.getLogger("pygls").setLevel(logging.DEBUG)
    from csdl.lsp.server import serve
    from csdl.lsp.transport import is_loopback

    if address is not None and not is_loopback(address[0]):
        click.echo(f"warning: --tcp {address[0]} is not a loopback address: anyone who can reach port "
                   f"{address[1]} of this machine can drive the language server (and read the files it checks). "
                   "It serves one client, without authentication; prefer 127.0.0.1.", err=True)
    try:
        code = serve(address)
    except OSError as exc:  # the port is taken, the address is not ours
        click.echo(f"error: cannot listen on {tcp}: {exc.strerror or exc}", err=True)
        code = 2
    # pygls' reader thread may still sit in a blocking read of stdin; do not wait for it.
    import sys

    sys.stdout.flush() if not sys.stdout.closed else None
    sys.stderr.flush()
    os._exit(code)
