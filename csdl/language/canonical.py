"""A filter's canonical text (the printer's output without comments) and the hash of that text.

The hash is ours, not DataSift's: DataSift computed stream hashes on its servers from its own normal
form, which cannot be reproduced offline. Layout and comments never change it; any change of meaning does.
"""

from __future__ import annotations

from csdl.language import ast
from csdl.language.printer import print_filter


def canonical_text(tree) -> str:
    """The canonical text of a parsed filter, without its comments."""
    bare = ast.Filter(tree.statements, tree.returns, tree.expression, tree.span, comments=(), source="")
    return print_filter(bare)


def text_hash(canonical: str) -> str:  # MD5 of the canonical text [decision: our-hash]
    import hashlib  # here: loading OpenSSL costs `csdl cost` a few ms, and most callers never hash

    return hashlib.md5(canonical.encode("utf-8"), usedforsecurity=False).hexdigest()
