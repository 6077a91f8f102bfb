-- Nothing lost at landing: per declared source, rows read = rows loaded + rows quarantined,
-- rows loaded = the rows of its raw table (what staging reads) and rows quarantined = its rows
-- in fct_quarantined_rows. A source missing below has no raw count and fails too.
{{ config(meta={'dagster': {'ref': {'name': 'dim_sources'}}}) }}

with

sources as (

    select * from {{ ref('dim_sources') }}

),

quarantined_rows as (

    select * from {{ ref('fct_quarantined_rows') }}

),

raw_tables as (

    select 'crm/accounts' as source, count(*) as raw_rows from {{ source('crm', 'accounts') }}
    union all
    select 'crm/contacts' as source, count(*) as raw_rows from {{ source('crm', 'contacts') }}
    union all
    select 'crm/opportunities' as source, count(*) as raw_rows from {{ source('crm', 'opportunities') }}
    union all
    select
        'crm/opportunity_contact_roles' as source,
        count(*) as raw_rows
    from {{ source('crm', 'opportunity_contact_roles') }}
    union all
    select
        'crm/opportunity_stage_history' as source,
        count(*) as raw_rows
    from {{ source('crm', 'opportunity_stage_history') }}
    union all
    select 'campaign/campaigns' as source, count(*) as raw_rows from {{ source('campaign', 'campaigns') }}
    union all
    select
        'campaign/campaign_members' as source,
        count(*) as raw_rows
    from {{ source('campaign', 'campaign_members') }}
    union all
    select 'campaign/ad_spend' as source, count(*) as raw_rows from {{ source('campaign', 'ad_spend') }}
    union all
    select
        'campaign/web_sessions' as source,
        count(*) as raw_rows
    from {{ source('campaign', 'web_sessions') }}
    union all
    select
        'campaign/form_submissions' as source,
        count(*) as raw_rows
    from {{ source('campaign', 'form_submissions') }}
    union all
    select 'revenue/invoices' as source, count(*) as raw_rows from {{ source('revenue', 'invoices') }}
    union all
    select 'revenue/fx_rates' as source, count(*) as raw_rows from {{ source('revenue', 'fx_rates') }}
    union all
    select 'revenue/targets' as source, count(*) as raw_rows from {{ source('revenue', 'targets') }}

),

quarantined_per_source as (

    select
        source,
        count(*) as quarantined_rows
    from quarantined_rows
    group by source

),

compared as (

    select
        sources.source,
        sources.rows_read,
        sources.rows_loaded,
        sources.rows_quarantined,
        raw_tables.raw_rows,
        coalesce(quarantined_per_source.quarantined_rows, 0) as quarantined_rows

    from sources
    left join raw_tables
        on sources.source = raw_tables.source
    left join quarantined_per_source
        on sources.source = quarantined_per_source.source

)

select * from compared
where
    rows_read != rows_loaded + rows_quarantined
    or raw_rows is null
    or rows_loaded != raw_rows
    or rows_quarantined != quarantined_rows
