"""floe's check of the dbt project against floe.yaml, on manifests real `dbt parse` wrote.

The Go fixtures (compiler/testdata/bad/dbt-*) pin each diagnostic on hand-written
manifests with the fields floe reads; these tests show that real dbt writes those fields
the way floe reads them: refs as depends_on.nodes, checksums of the stripped file.
"""

from __future__ import annotations

from pathlib import Path

from conftest import copy_example, dbt_parse, run

MODEL = Path("models") / "intermediate" / "int_customer_support.sql"


def _validate(floe_bin: Path, root: Path) -> tuple[int, str]:
    proc = run([str(floe_bin), "validate", str(root)], check=False)
    return proc.returncode, proc.stderr


def test_refs_from_dbt_parse_are_checked_against_depends_on(
    tmp_path: Path, floe_bin: Path
) -> None:
    root = copy_example("customer-360", tmp_path)
    run([str(floe_bin), "compile", str(root)])
    out = root / "target" / "floe"
    dbt_parse(root, out)
    code, err = _validate(floe_bin, root)
    assert code == 0, err
    assert "FLOE-W31" not in err, err

    # A ref that contradicts dependsOn, parsed again: two errors naming the SQL file.
    sql = root / MODEL
    sql.write_text(
        sql.read_text().replace(
            "ref('stg_support_tickets')", "ref('stg_transactions')"
        )
    )
    dbt_parse(root, out)
    code, err = _validate(floe_bin, root)
    assert code == 1, err
    assert "FLOE-E311" in err and "FLOE-E312" in err, err
    assert f"its model {MODEL.as_posix()}" in err, err

    # Edited after dbt parsed it: the manifest is stale for that model, a warning.
    sql.write_text(sql.read_text() + "\n-- edited\n")
    code, err = _validate(floe_bin, root)
    assert code == 0, err
    assert "FLOE-W311" in err, err
