-- One row per declared source export, landed or not: was it provided, and where did its rows
-- go. Rows read = loaded + quarantined at landing; of the loaded, rows_not_converted reached
-- no mart for want of an fx rate (or a date), and are listed in the *_unconverted models.
with

declared_sources as (

    {{ declared_sources() }}

),

landed_sources as (

    select * from {{ ref('stg_ingestion__landed_sources') }}

),

opportunities_unconverted as (

    select * from {{ ref('int_opportunities_unconverted') }}

),

invoices_unconverted as (

    select * from {{ ref('int_invoices_unconverted') }}

),

ad_spend_unconverted as (

    select * from {{ ref('int_ad_spend_unconverted') }}

),

campaign_costs_unconverted as (

    select * from {{ ref('int_campaign_costs_unconverted') }}

),

not_converted as (

    select
        'crm/opportunities' as source,
        count(*) as rows_not_converted
    from opportunities_unconverted
    union all
    select
        'revenue/invoices' as source,
        count(*) as rows_not_converted
    from invoices_unconverted
    union all
    select
        'campaign/ad_spend' as source,
        count(*) as rows_not_converted
    from ad_spend_unconverted
    union all
    select
        'campaign/campaigns' as source,
        count(*) as rows_not_converted
    from campaign_costs_unconverted

),

final as (

    select
        declared_sources.source,
        declared_sources.source_family,
        declared_sources.source_name,
        coalesce(landed_sources.is_provided, false) as is_provided,
        cast(coalesce(landed_sources.file_count, 0) as {{ dbt.type_bigint() }}) as file_count,
        cast(coalesce(landed_sources.rows_read, 0) as {{ dbt.type_bigint() }}) as rows_read,
        cast(coalesce(landed_sources.rows_loaded, 0) as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(coalesce(landed_sources.rows_quarantined, 0) as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(coalesce(not_converted.rows_not_converted, 0) as {{ dbt.type_bigint() }}) as rows_not_converted

    from declared_sources
    left join landed_sources
        on declared_sources.source = landed_sources.source
    left join not_converted
        on declared_sources.source = not_converted.source

)

select * from final
