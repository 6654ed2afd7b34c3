-- Bronze: CRM customers, one row per customer, names trimmed and e-mail normalised.
select
    customer_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    lower(trim(email)) as email,
    lower(region) as region,
    signup_date,
    is_active
from {{ ref('raw_crm_customers') }}
