-- Bronze: customers as the CRM exports them, with tidy types.
select
    customer_id,
    name,
    upper(country) as country,
    cast(signed_up_at as date) as signed_up_on
from {{ ref('raw_customers') }}
