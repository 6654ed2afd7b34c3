-- Silver: support experience per customer.
select
    c.customer_id,
    count(s.ticket_id) as ticket_count,
    coalesce(sum(case when s.is_open then 1 else 0 end), 0) as open_ticket_count,
    avg(s.resolution_hours) as avg_resolution_hours,
    avg(s.csat_score) as avg_csat_score
from {{ ref('stg_crm_customers') }} as c
left join {{ ref('stg_support_tickets') }} as s
    on s.customer_id = c.customer_id
group by c.customer_id
