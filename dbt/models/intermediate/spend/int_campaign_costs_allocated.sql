-- Campaign actual cost (USD) spread over the campaign's months pro rata to its days in each
-- month, from start_date to end_date (capped at the as-of date), so that a three-month
-- program does not land all its cost in one month. A campaign with only one of its dates
-- puts the whole cost on that day's month. Costs that cannot be placed or converted are
-- quarantined in int_campaign_costs_unconverted.
with

campaigns as (

    select * from {{ ref('int_campaigns_converted') }}

),

-- Month offsets 0..999 from the campaign's first month (integer_series: both engines run it).
month_offsets as (

    {{ integer_series(3, 'month_offset') }}

),

costed as (

    select
        campaign_id,
        actual_cost_usd,
        cost_start_date,
        cost_end_date,
        cost_days,
        cast({{ dbt.date_trunc('month', 'cost_start_date') }} as date) as first_month_start

    from campaigns
    where
        actual_cost_usd is not null
        and cost_days > 0

),

months as (

    select
        costed.campaign_id,
        costed.actual_cost_usd,
        costed.cost_start_date,
        costed.cost_end_date,
        costed.cost_days,
        {{ add_months_to_date('costed.first_month_start', 'month_offsets.month_offset') }} as month_start

    from costed
    cross join month_offsets

),

overlapped as (

    select
        campaign_id,
        month_start,
        actual_cost_usd,
        cost_days,
        greatest(cost_start_date, month_start) as overlap_start,
        least(
            cost_end_date,
            {{ add_days_to_date(add_months_to_date('month_start', 1), -1) }}
        ) as overlap_end

    from months
    where month_start <= cost_end_date

),

measured as (

    select
        campaign_id,
        month_start,
        actual_cost_usd,
        cost_days,
        {{ days_between('overlap_start', 'overlap_end') }} + 1 as cost_days_in_month

    from overlapped

),

allocated as (

    select
        {{ dbt.concat(['campaign_id', "'|'", dbt.cast('month_start', dbt.type_string())]) }}
            as campaign_cost_id,
        campaign_id,
        month_start,
        cast(cost_days_in_month as bigint) as cost_days_in_month,
        cost_days,
        actual_cost_usd * cost_days_in_month / cost_days as cost_usd

    from measured

)

select * from allocated
