"""The package's version, recorded in every manifest, report and store.

Why a module of its own: the modules that record it (output, spec, store, report, the command line)
are imported by ``dorothy_sim/__init__.py``, so reading it from there would be an import circle that
works only while ``__init__`` happens to set it before importing them. Keep it equal to
``pyproject.toml``'s ``version``.
"""

__version__ = "0.7.0"
