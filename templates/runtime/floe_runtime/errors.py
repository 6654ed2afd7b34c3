"""Errors the floe runtime raises, each with a message a user can act on."""

from __future__ import annotations


class FloeRuntimeError(Exception):
    """Base class of every error the floe runtime raises on purpose."""


class CompiledOutputError(FloeRuntimeError):
    """A compiled file is missing, malformed or from an incompatible floe version."""


class GraphMismatchError(FloeRuntimeError):
    """dbt's dependency graph differs from the one floe compiled from floe.yaml."""


class IcebergPublishError(FloeRuntimeError):
    """A table could not be published to the Iceberg catalog."""
