"""The package version (one place: the root package, the parser cache key and the CLI read it)."""

__version__ = "0.2.0"
