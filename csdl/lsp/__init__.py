"""``csdl lsp``: the CSDL language server, on pygls (the optional extra ``[lsp]``).

The modules translate; they do not re-implement: diagnostics come from ``csdl check``'s checker,
hover and cost from the catalogue and the cost model, fixes from the lint rules, formatting from
the printer. ``server`` is the only module that wires pygls; ``positions``, ``analysis``,
``edits`` and ``explain`` do not need it (the grammar's words are ``csdl.language.vocabulary``).
"""
