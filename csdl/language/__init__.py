"""The language: tokens, the Lark parser and its error messages, the typed syntax tree, the printer.

Nothing here knows about targets, costs or posts; every later stage starts from ``parse``.
"""
