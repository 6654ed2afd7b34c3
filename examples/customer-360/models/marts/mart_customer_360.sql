-- Gold: one row per customer combining profile, orders and support.
-- `region` is the partition column when the table is published with partition_overwrite.
select
    o.customer_id,
    o.first_name,
    o.last_name,
    o.email,
    o.region,
    o.signup_date,
    o.is_active,
    o.order_count,
    o.net_revenue,
    o.refund_count,
    o.first_order_date,
    o.last_order_date,
    s.ticket_count,
    s.open_ticket_count,
    s.avg_resolution_hours,
    s.avg_csat_score,
    case
        when o.net_revenue >= 500 then 'high'
        when o.net_revenue >= 150 then 'medium'
        else 'low'
    end as value_segment
from {{ ref('int_customer_orders') }} as o
inner join {{ ref('int_customer_support') }} as s
    on s.customer_id = o.customer_id
