"""The CSDL grammar (csdl.lark), installed as the package ``csdl.grammar``."""
