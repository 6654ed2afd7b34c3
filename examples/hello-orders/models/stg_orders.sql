-- Bronze: paid orders only, with the order date split out.
select
    order_id,
    ordered_at,
    cast(ordered_at as date) as order_date,
    customer,
    amount
from {{ ref('raw_orders') }}
where status = 'paid'
