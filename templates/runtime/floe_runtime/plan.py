"""The compiled plan that a generated definitions.py hands to build_definitions."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resources:
    """Kubernetes container requests and limits of a resource preset."""

    requests_cpu: str
    requests_memory: str
    limits_cpu: str
    limits_memory: str

    def k8s(self) -> dict[str, dict[str, str]]:
        """The shape of a Kubernetes container's ``resources`` field."""
        return {
            "requests": {"cpu": self.requests_cpu, "memory": self.requests_memory},
            "limits": {"cpu": self.limits_cpu, "memory": self.limits_memory},
        }


@dataclass(frozen=True)
class Model:
    """One transform (a dbt model) as floe compiled it."""

    name: str
    depends_on: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tier: str = ""
    preset: str = ""


@dataclass(frozen=True)
class Lineage:
    """Where OpenLineage events go: transport http, file, console or noop."""

    enabled: bool = False
    transport: str = "noop"
    endpoint: str = ""
    file: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class Plan:
    """Everything definitions.py knows about the product, as floe compiled it."""

    product: str
    product_version: str
    slug: str
    floe_version: str
    contract_version: str
    # project_dir is the product (dbt project) directory, relative to the output directory.
    project_dir: str
    dbt_profile: str
    dbt_target: str
    models: tuple[Model, ...] = ()
    presets: dict[str, Resources] = field(default_factory=dict)
    default_preset: str = ""
    lineage: Lineage = field(default_factory=Lineage)

    def resources(self, preset: str) -> Resources | None:
        """The resources of preset, of the default preset when preset is "", or None."""
        return self.presets.get(preset or self.default_preset)

    def model(self, name: str) -> Model | None:
        """The model called name, or None."""
        for model in self.models:
            if model.name == name:
                return model
        return None
