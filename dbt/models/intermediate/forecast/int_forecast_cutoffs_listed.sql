-- The instants the forecast is made at: the as-of time (the forecast leadership reads) and the
-- start of every past quarter that has ended and has at least `forecast_backtest_history_quarters` quarters of
-- data before it (the backtest). Every forecast model computes all of them at once, so the
-- backtest runs exactly the forecast's code with only what was known at each cutoff.

with

months as (

    select * from {{ ref('int_months_spined') }}

),

as_of as (

    select as_of_at from {{ ref('int_as_of_resolved') }}

),

first_month as (

    select min(month_start) as first_month_start from months

),

past_quarters as (

    select
        cast(months.month_start as {{ dbt.type_timestamp() }}) as cutoff_at,
        'backtest' as cutoff_kind,
        months.quarter_start as first_quarter_start

    from months
    cross join first_month
    cross join as_of
    where
        months.month_start = months.quarter_start
        -- The quarter has ended: what it booked is known in full.
        and cast({{ add_months_to_date('months.month_start', 3) }} as {{ dbt.type_timestamp() }}) <= as_of.as_of_at
        and months.month_start >= {{ add_months_to_date(
            'first_month.first_month_start', 3 * var('forecast_backtest_history_quarters')
        ) }}

),

current_cutoff as (

    select
        as_of.as_of_at as cutoff_at,
        'forecast' as cutoff_kind,
        cast({{ dbt.date_trunc('quarter', 'as_of.as_of_at') }} as date) as first_quarter_start

    from as_of

),

final as (

    select * from past_quarters
    union all
    select * from current_cutoff

)

select * from final
