"""bnnc's version, single-sourced for setup.cfg and ``bnnc --version``."""

__version__ = "0.1.0"
