"""Settings: the one place that turns command-line flags and the configuration file into what a
run uses. Every face wires it: the commands, the language server, ``csdl serve`` and its workbench.

- ``csdl.config.files``: finding and validating ``csdl.toml`` / ``[tool.csdl]`` (``Config``);
- ``csdl.config.payloads``: the payload section of it (kinds by glob, per-file ignores);
- ``csdl.config.resolve``: flags over the file, the library and the pricing loaded (``Settings``);
- ``csdl.config.cache``: ``Settings`` by directory for the long-running faces (the language server).
"""

from __future__ import annotations

from csdl.config.files import CONFIG_FILES, Config, ConfigError, find_config_file, load_config, read_config
from csdl.config.resolve import PerFolder, Settings, resolve

__all__ = ["CONFIG_FILES", "Config", "ConfigError", "PerFolder", "Settings", "find_config_file", "load_config",
           "read_config", "resolve"]
