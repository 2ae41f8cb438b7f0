"""Sphinx configuration for the optsolve documentation.

Built in CI with warnings as errors: ``sphinx-build -W -b html docs docs/_build``.
"""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import optsolve  # noqa: E402

project = "optsolve"
author = "optsolve developers"
copyright = "2026, optsolve developers"
version = release = optsolve.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinxarg.ext",
]

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
autodoc_typehints = "none"
autodoc_default_options = {"members": False}

intersphinx_mapping = {}  # no network during builds

templates_path = []
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []
html_title = f"optsolve {version}"
