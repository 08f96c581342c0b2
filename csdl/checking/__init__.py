"""Checking: what parses but DataSift would reject (validation), what it accepts but is probably wrong or
costly (lint), and the suppression and selection of codes."""
