"""Python assets of customer-360, stored in Iceberg by floe's Iceberg IO manager.

floe loads every *.py file in this folder into the product's Dagster definitions.
`regional_customer_snapshot` is partitioned by region: materializing one region
overwrites only that region's rows in Iceberg; `regional_value_summary` reads only
that region's rows back through the same IO manager.
"""

import pyarrow as pa
import pyarrow.compute as pc
from dagster import AssetExecutionContext, AssetIn, StaticPartitionsDefinition, asset

REGIONS = StaticPartitionsDefinition(["east", "north", "south", "west"])

# The floe runtime registers its Iceberg IO manager under this resource key.
ICEBERG_IO = "iceberg_io"


@asset(
    partitions_def=REGIONS,
    io_manager_key=ICEBERG_IO,
    ins={"mart_customer_360": AssetIn(input_manager_key=ICEBERG_IO)},
    metadata={"partition_expr": "region"},
    group_name="gold",
)
def regional_customer_snapshot(
    context: AssetExecutionContext, mart_customer_360: pa.Table
) -> pa.Table:
    """Active customers of one region, read from the mart's Iceberg table."""
    region = context.partition_key
    rows = mart_customer_360.filter(
        pc.and_(
            pc.equal(mart_customer_360["region"], region),
            pc.equal(mart_customer_360["is_active"], True),
        )
    )
    context.log.info(f"region {region}: {rows.num_rows} active customers")
    return rows.select(
        ["customer_id", "region", "value_segment", "net_revenue", "ticket_count"]
    )


@asset(
    partitions_def=REGIONS,
    io_manager_key=ICEBERG_IO,
    ins={"regional_customer_snapshot": AssetIn(input_manager_key=ICEBERG_IO)},
    metadata={"partition_expr": "region"},
    group_name="gold",
)
def regional_value_summary(
    context: AssetExecutionContext, regional_customer_snapshot: pa.Table
) -> pa.Table:
    """Customers and revenue per value segment in one region."""
    region = context.partition_key
    other = set(regional_customer_snapshot["region"].to_pylist()) - {region}
    if other:
        raise ValueError(f"partition {region} was loaded with rows of {sorted(other)}")
    grouped = regional_customer_snapshot.group_by("value_segment").aggregate(
        [("customer_id", "count"), ("net_revenue", "sum")]
    )
    return pa.table(
        {
            "region": pa.array([region] * grouped.num_rows, pa.string()),
            "value_segment": grouped["value_segment"],
            "customers": grouped["customer_id_count"],
            "net_revenue": grouped["net_revenue_sum"],
        }
    )
