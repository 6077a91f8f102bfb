-- The run's as-of time, on the data's own clock: the end of the latest day the data covers
-- (its latest touch, opportunity change or invoice), unless the `as_of` var sets it. A build
-- on any day after the export reports the same numbers, and a month the export has not
-- reached is never counted as complete with nothing in it. One row.
with

web_sessions as (

    select started_at as happened_at from {{ ref('stg_campaign__web_sessions') }}

),

form_submissions as (

    select submitted_at as happened_at from {{ ref('stg_campaign__form_submissions') }}

),

campaign_responses as (

    select responded_at as happened_at from {{ ref('stg_campaign__campaign_members') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

stage_changes as (

    select entered_at as happened_at from {{ ref('stg_crm__opportunity_stage_history') }}

),

invoices as (

    select {{ dbt.cast('invoice_date', dbt.type_timestamp()) }} as happened_at
    from {{ ref('stg_revenue__invoices') }}

),

opportunity_changes as (

    select created_at as happened_at from opportunities
    union all
    select updated_at as happened_at from opportunities
    union all
    select {{ dbt.cast('close_date', dbt.type_timestamp()) }} as happened_at
    from opportunities
    where is_closed

),

latest as (

    select max(happened_at) as data_latest_at
    from (
        select happened_at from web_sessions
        union all
        select happened_at from form_submissions
        union all
        select happened_at from campaign_responses
        union all
        select happened_at from opportunity_changes
        union all
        select happened_at from stage_changes
        union all
        select happened_at from invoices
    ) as happenings

),

resolved as (

    select
        data_latest_at,
        -- Midnight after the latest day: that whole day counts.
        {{ dbt.cast(
            add_days_to_date(dbt.cast('data_latest_at', 'date'), 1),
            dbt.type_timestamp()
        ) }} as data_ends_at,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as built_at

    from latest

),

final as (

    select
        data_latest_at,
        data_ends_at,
        built_at,
        {% if var('as_of', none) in (none, '') -%}
            -- No data at all: the build time.
            coalesce(data_ends_at, built_at) as as_of_at,
            case when data_ends_at is null then 'build time' else 'data' end as as_of_source
        {%- else -%}
            cast('{{ var("as_of") }}' as {{ dbt.type_timestamp() }}) as as_of_at,
            'as_of var' as as_of_source
        {%- endif %}

    from resolved

)

select * from final
