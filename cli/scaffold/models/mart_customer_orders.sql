-- Gold: one row per customer with their paid orders and revenue.
select
    c.customer_id,
    c.name,
    c.country,
    count(o.order_id) as orders,
    coalesce(sum(o.amount), 0) as revenue,
    max(o.order_date) as last_order_date
from {{ ref('stg_customers') }} as c
left join {{ ref('stg_orders') }} as o
    on o.customer_id = c.customer_id
group by c.customer_id, c.name, c.country
