-- One row per opportunity (latest version), amounts still in their own currency. A table on
-- Spark: the check attribution_reconciles_to_crm reconciles the marts to it through its own
-- Spark session, which reads tables' folders and cannot see the metastore's views.
{{ config(materialized='table' if target.type == 'spark' else 'view') }}

with

latest as (

    {{ latest_record(source('crm', 'opportunities'), 'opportunity_id') }}

),

renamed as (

    select
        opportunity_id,
        account_id,
        opportunity_name,
        opportunity_type,
        stage_name,
        amount,
        upper(trim(currency)) as currency,
        created_at,
        close_date,
        is_closed,
        is_won,
        primary_campaign_id,
        lead_source,
        updated_at

    from latest

)

select * from renamed
