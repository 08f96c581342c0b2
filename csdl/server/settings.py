"""What ``csdl serve`` is started with: one ``Settings`` object shared by every route."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

#: Request bodies above this get 413 before anything parses them (a filter may be 1 MB; its
#: form or JSON encoding can be larger, hence twice that).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Posts of --sample read for previews: bounds the memory and the work of one preview.
MAX_SAMPLE_POSTS = 100_000
#: The API version answered when a path carries none (the official clients' last default).
DEFAULT_API_VERSION = "1.6"


class SettingsError(ValueError):
    """A setting that cannot be used (a missing file, a bad users file …)."""


@dataclass
class Settings:
    store: str = "csdl-serve.sqlite3"
    library: str | None = None
    pricing: str | None = None  # a pricing file over the packaged table (--pricing)
    config: str | None = None  # a configuration file (--config); its library and pricing apply
    isolated: bool = True  # read no configuration file unless `config` names one (`csdl serve` discovers)
    sample: str | None = None
    users_file: str | None = None
    cors_origin: str | None = None
    task_delay: float = 0.0
    host: str = "127.0.0.1"
    port: int = 8080
    allowed_hosts: tuple[str, ...] = ()  # Host names answered besides the local ones (--allowed-host)
    header_timeout: float = 10.0  # seconds a connection may take to send a complete request head
    max_body: int = MAX_BODY_BYTES
    max_sample_posts: int = MAX_SAMPLE_POSTS
    rate_limit: int = 100_000
    users: dict[str, str] | None = field(default=None, repr=False)  # username -> API key
    # Live delivery (csdl.server.delivery): the firehose, the stream host, push outputs.
    firehose: str | None = None  # posts replayed into the bus (--firehose)
    firehose_rate: float | None = None  # posts per second; None: as fast as consumers take them
    firehose_loop: bool = False
    firehose_wait: int = 1  # stream subscriptions to wait for before the replay starts
    stream_port: int | None = None  # a second listener serving the stream host (stream at `/`)
    push_dir: str | None = None  # where non-http push outputs are written
    archive: str | None = None  # posts Historics queries run over (--archive: JSON Lines, Parquet, a directory or a glob)
    tick_seconds: float = 30.0  # an idle streaming connection gets a tick this often
    stream_buffer: int = 10_000  # interactions one streaming connection may hold
    options: object = field(default=None, init=False, repr=False)  # csdl.config.Settings, set on creation

    def __post_init__(self):
        if self.task_delay < 0:
            raise SettingsError("--task-delay must not be negative")
        if self.firehose is not None and not os.path.isfile(self.firehose):
            raise SettingsError(f"--firehose {self.firehose}: no such file")
        if self.firehose_rate is not None and self.firehose_rate <= 0:
            raise SettingsError("--rate must be positive")
        if self.push_dir is not None and not os.path.isdir(self.push_dir):
            raise SettingsError(f"--push-dir {self.push_dir}: not a directory")
        if self.archive is not None and not _archive_exists(self.archive):
            raise SettingsError(f"--archive {self.archive}: no such file, directory or matching files")
        if self.library is not None and not os.path.isdir(self.library):
            raise SettingsError(f"--library {self.library}: not a directory")
        if self.sample is not None and not os.path.isfile(self.sample):
            raise SettingsError(f"--sample {self.sample}: no such file")
        if self.users is None and self.users_file is not None:
            self.users = read_users(self.users_file)
        self.options = resolved_options(self)


def _archive_exists(path: str) -> bool:
    import glob

    return os.path.exists(path) or any(ch in path for ch in "*?[") and bool(glob.glob(path))


def resolved_options(settings: Settings):
    """The resolved settings (``csdl.config``) of the server: the stream library and the pricing
    table every route prices with, the flags over the configuration. ``settings.library`` becomes
    the library directory in use (the configuration's when no --library is given)."""
    from csdl.config import ConfigError, resolve

    try:
        options = resolve(os.getcwd(), config_path=settings.config, isolated=settings.isolated and not settings.config,
                          library=settings.library, pricing=settings.pricing)
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None
    settings.library = options.library_dir
    return options


def read_users(path: str) -> dict[str, str]:
    """``user:key`` lines; blank lines and ``#`` comments are skipped."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise SettingsError(f"--users {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"--users {path}: not UTF-8 text") from None
    users: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        user, sep, key = text.partition(":")
        if not sep or not user.strip() or not key.strip():
            raise SettingsError(f"--users {path}:{number}: expected `username:api_key`")
        users[user.strip()] = key.strip()
    if not users:
        raise SettingsError(f"--users {path}: no `username:api_key` line")
    return users
