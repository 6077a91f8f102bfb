-- One row per CRM account, its latest version: name, domain, industry, region, segment and
-- size, for every domain that slices by account (segment of a customer without a won deal).
-- Segment, region and industry as of an opportunity's creation are on dim_opportunities.
with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        account_id,
        account_name,
        domain,
        industry,
        region,
        segment,
        cast(employee_count as bigint) as employee_count,
        created_at,
        updated_at

    from accounts

)

select * from final
