-- Silver: each customer's profile with their order history (customers without orders keep zeros).
select
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.region,
    c.signup_date,
    c.is_active,
    count(t.transaction_id) as order_count,
    coalesce(sum(t.amount), 0) as net_revenue,
    coalesce(sum(case when t.amount < 0 then 1 else 0 end), 0) as refund_count,
    min(t.transaction_date) as first_order_date,
    max(t.transaction_date) as last_order_date
from {{ ref('stg_crm_customers') }} as c
left join {{ ref('stg_transactions') }} as t
    on t.customer_id = c.customer_id
group by all
