-- One row per calendar month from the first month with CRM or spend activity up to the month
-- of the run's as-of time: the month ends at which open pipeline and prospect inventory are
-- counted, and the months plans and spend are laid on.
with

-- Month offsets 0 .. 999 (integer_series: a spine both engines run), months 2000-01 .. 2083-04.
month_offsets as (

    {{ integer_series(3, 'month_offset') }}

),

spine as (

    select {{ add_months_to_date("cast('2000-01-01' as date)", 'month_offset') }} as date_month
    from month_offsets

),

opportunities as (

    select created_at as active_at from {{ ref('stg_crm__opportunities') }}

),

contacts as (

    select lead_created_at as active_at from {{ ref('stg_crm__contacts') }}

),

ad_spend as (

    select cast(spend_date as {{ dbt.type_timestamp() }}) as active_at from {{ ref('stg_campaign__ad_spend') }}

),

first_activity as (

    select min(active_at) as first_active_at
    from (
        select active_at from opportunities
        union all
        select active_at from contacts
        union all
        select active_at from ad_spend
    ) as activity

),

months as (

    select
        cast(spine.date_month as date) as month_start,
        {{ add_months_to_date('spine.date_month', 1) }} as next_month_start,
        cast({{ dbt.date_trunc('quarter', 'spine.date_month') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'spine.date_month') }} as date) as year_start

    from spine
    cross join first_activity
    where
        spine.date_month >= {{ dbt.date_trunc('month', 'first_activity.first_active_at') }}
        -- Months that have begun by the as-of time (an as-of of exactly midnight on the 1st
        -- does not open a new month).
        and cast(spine.date_month as {{ dbt.type_timestamp() }}) < {{ as_of_timestamp() }}

),

final as (

    select
        month_start,
        {{ add_days_to_date('next_month_start', -1) }} as month_end,
        -- Exclusive upper bound as a timestamp: "at month end" means strictly before this.
        cast(next_month_start as {{ dbt.type_timestamp() }}) as month_end_exclusive_at,
        -- The instant point-in-time counts are taken: the month end, or the as-of time for the
        -- month in progress.
        case
            when cast(next_month_start as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }}
                then cast(next_month_start as {{ dbt.type_timestamp() }})
            else {{ as_of_timestamp() }}
        end as snapshot_at,
        cast(next_month_start as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }} as is_complete,
        quarter_start,
        year_start

    from months

)

select * from final
