-- Bronze: support tickets with resolution time in hours (null while open).
select
    ticket_id,
    customer_id,
    opened_at,
    closed_at,
    channel,
    priority,
    csat_score,
    case
        when closed_at is null then null
        else date_diff('minute', opened_at, closed_at) / 60.0
    end as resolution_hours,
    closed_at is null as is_open
from {{ ref('raw_support_tickets') }}
