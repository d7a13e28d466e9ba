"""The shared kernel: what every domain needs and nothing domain-specific.

Money and its parsing, the clock and the bureau's calendar, bounds on inputs, pagination, errors,
the database plumbing, translation, settings and the web plumbing every route uses. It imports no
domain (``tests/test_dependencies.py`` enforces this); domains import it.
"""
