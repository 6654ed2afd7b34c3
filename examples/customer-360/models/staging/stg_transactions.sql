-- Bronze: point-of-sale transactions; refunds carry a negative amount.
select
    transaction_id,
    customer_id,
    transaction_ts,
    cast(transaction_ts as date) as transaction_date,
    case when status = 'refunded' then -amount else amount end as amount,
    upper(currency) as currency,
    status
from {{ ref('raw_transactions') }}
where status in ('completed', 'refunded')
