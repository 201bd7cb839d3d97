"""argparse for bnnc's commands: one-line errors with a hint, and argument types that refuse bad paths."""

from __future__ import annotations

import argparse

from compiler.names import printable


class UsageError(Exception):
    """A command line argparse refused; reported as one line with a hint, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the problem and where to read the usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}; see '{self.prog} --help'")


def path_arg(text: str) -> str:
    """An argparse type for paths: a NUL byte can never name a file."""
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"must be a path without NUL bytes, not {printable(repr(text))}")
    return text


def _positive(text: str, what: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive {what}, not {printable(repr(text))}")
    return n


def byte_count(text: str) -> int:
    """An argparse type for a positive number of bytes."""
    return _positive(text, "number of bytes")


def count(text: str) -> int:
    """An argparse type for a positive count (of images, ...)."""
    return _positive(text, "whole number")
