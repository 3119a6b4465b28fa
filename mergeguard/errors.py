"""Errors that reach the user as one line and exit code 2.

Everything a user can get wrong (a path that is not a repository, a ref that does not exist, a diff
that does not parse, a model file that is corrupt or built for another feature schema) raises a
subclass of :class:`MergeguardError`; the CLI prints ``mergeguard: error: <message>`` and exits 2.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class MergeguardError(Exception):
    """Base class of errors caused by input rather than by mergeguard itself."""

    exit_code = 2


class RepositoryError(MergeguardError):
    """The path is not a git repository, or git refused an operation on it."""


class RefError(MergeguardError):
    """A revision the user named does not exist in the repository."""


class DiffError(MergeguardError):
    """A unified diff could not be read or parsed."""


class ModelError(MergeguardError):
    """A model directory is missing, corrupt, or was trained on another feature schema."""


class DataError(MergeguardError):
    """A dataset file is unreadable or lacks what training/evaluation needs."""
