"""``csdl serve``: the local emulator of DataSift's REST API and Datastreamer's Data365 tasks."""

from __future__ import annotations

import click

from csdl.cli import EXIT_ERROR
from csdl.cli.output import warning

_DESCRIPTION = """Run a local, offline emulator of DataSift's REST API (filters, Historics,
previews, Managed Sources) and of Datastreamer's Data365 task API, answered by csdl's own compiler,
cost model and payload checker. No network, no API key."""

_EXAMPLES = """\b
Examples (any username:key works unless --users is given):
  csdl serve --store ds.sqlite3 --library streams/ --sample examples/posts.jsonl
\b
  # filters: validate, compile, dpu (also /v1/…, /v1.N/…, pylon/validate, pylon/compile)
  curl -s -H 'Authorization: me:key' --data-urlencode 'csdl=interaction.content contains "coffee"' http://127.0.0.1:8080/v1.6/validate
  curl -s -H 'Authorization: me:key' --data-urlencode 'csdl=interaction.content contains "coffee"' http://127.0.0.1:8080/v1.6/compile
  curl -s 'http://127.0.0.1:8080/v1.6/dpu?hash=HASH&username=me&api_key=key'
\b
  # Historics and previews
  curl -s -H 'Authorization: me:key' -d hash=HASH -d start=1477958400 -d end=1478044800 -d name=q1 -d sources=twitter http://127.0.0.1:8080/v1.6/historics/prepare
  curl -s -H 'Authorization: me:key' -d hash=HASH -d start=1477958400 -d 'parameters=language.tag,freqDist,5' http://127.0.0.1:8080/v1.6/preview/create
  curl -s -H 'Authorization: me:key' 'http://127.0.0.1:8080/v1.6/preview/get?id=PREVIEW_ID'
\b
  # account
  curl -s -H 'Authorization: me:key' http://127.0.0.1:8080/v1.6/usage
  curl -s -H 'Authorization: me:key' http://127.0.0.1:8080/v1.6/balance
\b
  # Managed Sources
  curl -s -H 'Authorization: me:key' -H 'Content-Type: application/json' -d @source.json http://127.0.0.1:8080/v1.6/source/create
  curl -s -H 'Authorization: me:key' 'http://127.0.0.1:8080/v1.6/source/get?id=SOURCE_ID'
  curl -s -H 'Authorization: me:key' -d id=SOURCE_ID http://127.0.0.1:8080/v1.6/source/start
\b
  # Datastreamer Data365 tasks
  curl -s -X PUT -H 'apikey: KEY' -H 'Content-Type: application/json' -d '{"token": "T"}' http://127.0.0.1:8080/api/data-sources/data365
  curl -s -H 'apikey: KEY' -H 'Content-Type: application/json' -d @tasks.json http://127.0.0.1:8080/api/data-providers/data365/tiktok_hashtag
  curl -s -X PUT -H 'apikey: KEY' http://127.0.0.1:8080/api/data-providers/data365/tiktok_hashtag/start-all
  curl -s -H 'apikey: KEY' http://127.0.0.1:8080/api/data-providers/data365/tiktok_hashtag/TASK_ID
\b
  # live data: a firehose, a stream over HTTP, push and pull, ODP ingestion
  csdl serve --firehose posts.jsonl.gz --stream-port 8081
  curl -sN -H 'Authorization: me:key' http://127.0.0.1:8080/HASH
  curl -s -H 'Authorization: me:key' -H 'Content-Type: application/json' -d '{"hash": "HASH", "name": "p", "output_type": "http", "output_params": {"url": "http://127.0.0.1:9000/", "delivery_frequency": 0}}' http://127.0.0.1:8080/v1.6/push/create
  curl -s -H 'Authorization: me:key' -d hash=HASH -d name=q -d output_type=pull http://127.0.0.1:8080/v1.6/push/create
  curl -s -i -H 'Authorization: me:key' 'http://127.0.0.1:8080/v1.6/pull?id=SUBSCRIPTION_ID'
  curl -s -H 'Authorization: me:key' --data-binary @objects.jsonl http://127.0.0.1:8080/SOURCE_ID

Ctrl-C or SIGTERM stop the server cleanly. docs/serve.md describes every endpoint.
"""


def _live_options(command):
    """The flags of live delivery (docs/serve.md, "Live data"), passed to Settings as they are."""
    options = [
        click.option("--firehose", metavar="POSTS.jsonl",
                     help="Replay these posts (JSON Lines, optionally gzipped) into the live bus: running streams "
                          "and push subscriptions receive what their filter matches."),
        click.option("--rate", "firehose_rate", type=click.FloatRange(min=0, min_open=True), metavar="N",
                     help="Firehose posts per second (default: as fast as the consumers take them)."),
        click.option("--loop", "firehose_loop", is_flag=True, help="Replay the firehose file again and again."),
        click.option("--firehose-wait", type=click.IntRange(min=0), default=1, show_default=True, metavar="N",
                     help="Start the replay once N stream subscriptions exist (0: at once)."),
        click.option("--stream-port", type=click.IntRange(0, 65535), metavar="PORT",
                     help="Also serve the stream host here, with the stream at `/` (the Node client's consumer)."),
        click.option("--push-dir", metavar="DIR",
                     help="Where push subscriptions of output types other than http and pull write their files."),
        click.option("--archive", metavar="PATH",
                     help="Posts that started Historics queries run over (JSON Lines, Parquet, a directory or a glob), "
                          "delivered to their push subscriptions."),
        click.option("--tick", "tick_seconds", type=click.FloatRange(min=0.01), default=30, show_default=True,
                     metavar="SECONDS", help="Send an idle streaming connection a tick this often."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command("serve", help=_DESCRIPTION + "\n\n" + _EXAMPLES)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback without --users prints a warning.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any free port).")
@click.option("--store", "store_path", default="csdl-serve.sqlite3", show_default=True, metavar="PATH",
              help="SQLite file keeping compiled streams, Historics, previews, sources and tasks.")
@click.option("--library", "library_dir", metavar="DIR",
              help="A directory of .csdl files that `stream \"<hash>\"` also resolves to.")
@click.option("--pricing", "pricing_file", metavar="FILE",
              help="A pricing TOML file over the packaged prices: the API's and the workbench's DPU and bills.")
@click.option("--config", "config_file", metavar="FILE",
              help="Use this configuration file (default: the closest csdl.toml or pyproject.toml [tool.csdl]).")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option("--sample", "sample_path", metavar="POSTS.jsonl",
              help="Posts (JSON Lines, optionally gzipped) that previews run the filter over.")
@click.option("--users", "users_file", metavar="FILE",
              help="`username:api_key` lines: every call must then carry one of them (401 otherwise).")
@click.option("--cors", "cors_origin", metavar="ORIGIN",
              help="Let pages of ORIGIN (scheme://host[:port]) call the server, with CORS headers (none by default).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A Host name to answer besides localhost, *.localhost, IP addresses and --host (repeatable).")
@click.option("--task-delay", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="How long a started Data365 task runs before it is complete.")
@_live_options
def serve_command(host, port, store_path, library_dir, pricing_file, config_file, isolated, sample_path, users_file, cors_origin, allowed_hosts, task_delay, **live):
    from csdl.extras import require_extra

    require_extra("serve", purpose="csdl serve")
    from csdl.server.app import create_app
    from csdl.server.run import is_loopback, serve
    from csdl.server.settings import Settings, SettingsError
    from csdl.server.store import StoreError

    try:
        settings = Settings(store=store_path, library=library_dir, pricing=pricing_file, config=config_file,
                            isolated=isolated, sample=sample_path, users_file=users_file,
                            cors_origin=cors_origin, allowed_hosts=allowed_hosts, task_delay=task_delay, host=host, port=port, **live)
        app = create_app(settings)
    except (SettingsError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:  # a library that cannot be read
        raise click.ClickException(str(exc)) from None
    if not is_loopback(host) and settings.users is None:
        warning(f"listening on {host} without --users: anyone who can reach it may use it")

    from csdl.server.security import startup_warnings

    for text in startup_warnings(settings):
        warning(text)

    def announce(bound):
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        click.echo(f"csdl serve: listening on http://{shown}:{bound[1]} (store {settings.store}"
                   f"{', library ' + settings.library if settings.library else ''}"
                   f"{', pricing ' + settings.options.pricing_path if settings.options.pricing_path else ''}"
                   f"{', settings ' + settings.options.origin() if settings.options.config_path else ''}); Ctrl-C stops",
                   err=True)
        stream = app.state.csdl.live.stream_address()
        if stream is not None:
            click.echo(f"csdl serve: stream host on http://{stream[0]}:{stream[1]}", err=True)

    try:
        serve(app, settings, announce=announce)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise SystemExit(EXIT_ERROR) from None
    click.echo("csdl serve: stopped", err=True)
