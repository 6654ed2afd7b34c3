"""Unit tests of the dbt side of floe_runtime: graph comparison, preset groups, op tags."""

from __future__ import annotations

import pytest
from floe_runtime.assets import K8S_CONFIG_TAG, op_tags
from floe_runtime.manifest import check_graph, graph_differences
from floe_runtime.errors import GraphMismatchError
from floe_runtime.groups import preset_groups, python_identifier
from floe_runtime.plan import Model, Plan, Resources

SMALL = Resources("100m", "256Mi", "500m", "512Mi")
LARGE = Resources("500m", "1Gi", "2000m", "2Gi")


def plan(*models: Model) -> Plan:
    return Plan(
        product="demo-x",
        product_version="1",
        slug="demo_x",
        floe_version="dev",
        contract_version="0.10.0",
        project_dir="../..",
        dbt_profile="demo-x",
        dbt_target="dev",
        models=models,
        presets={"large": LARGE, "small": SMALL},
        default_preset="small",
    )


def manifest(edges: dict[str, list[str]]) -> dict:
    nodes = {}
    for name, parents in edges.items():
        nodes[f"model.demo.{name}"] = {
            "unique_id": f"model.demo.{name}",
            "resource_type": "model",
            "package_name": "demo",
            "name": name,
            "depends_on": {
                "nodes": [f"model.demo.{p}" for p in parents] + ["seed.demo.raw"]
            },
        }
    nodes["seed.demo.raw"] = {
        "unique_id": "seed.demo.raw",
        "resource_type": "seed",
        "name": "raw",
    }
    return {"metadata": {"project_name": "demo"}, "nodes": nodes}


def test_equal_graphs_have_no_differences() -> None:
    p = plan(Model("a"), Model("b", depends_on=("a",)))
    assert graph_differences(p, manifest({"a": [], "b": ["a"]})) == []


def test_every_difference_is_named() -> None:
    p = plan(
        Model("a"),
        Model("b", depends_on=("a",)),
        Model("c", depends_on=("a",)),
        Model("ghost"),
    )
    m = manifest({"a": [], "b": [], "c": ["a", "b"]})
    problems = graph_differences(p, m)
    assert problems == [
        "transform ghost has no dbt model of that name",
        "dbt has edge b -> c (ref('b') in c) that floe.yaml does not declare in dependsOn of c",
        "floe.yaml declares a -> b (dependsOn of b) but dbt model b does not ref('a')",
    ]
    with pytest.raises(GraphMismatchError, match="b -> c"):
        check_graph(p, m, __import__("pathlib").Path("target/manifest.json"))


def test_preset_groups_sorted_with_default() -> None:
    p = plan(Model("a"), Model("b", preset="large"), Model("c", preset="small"))
    groups = preset_groups(p)
    assert [(g.name, g.models, g.resources) for g in groups] == [
        ("demo_x_dbt_large", ("b",), LARGE),
        ("demo_x_dbt_small", ("a", "c"), SMALL),
    ]


def test_op_tags_carry_k8s_resources() -> None:
    tags = op_tags(LARGE, "/x.duckdb")
    assert tags[K8S_CONFIG_TAG] == {
        "container_config": {
            "resources": {
                "requests": {"cpu": "500m", "memory": "1Gi"},
                "limits": {"cpu": "2000m", "memory": "2Gi"},
            }
        }
    }
    assert tags["floe/duckdb"] == "write"
    assert op_tags(None, None) == {}


def test_python_identifier() -> None:
    assert python_identifier("customer-360") == "customer_360"
    assert python_identifier("9x") == "_9x"
    assert python_identifier("--") == "floe"
