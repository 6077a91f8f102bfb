-- The sales-velocity equation per quarter and segment (and 'All'): how many opportunities were
-- opened, how many closed and won, how big and how slow the wins were, and the resulting USD per day
-- the pipeline turns into revenue: created x win rate x average deal size / average sales cycle.
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

dated_opportunities as (

    select
        opportunities.*,
        cast(opportunities.created_at as date) as created_date

    from opportunities

),

-- One row per opportunity created and one per opportunity closed, each in its own quarter; closes
-- after the as-of time are not closes yet.
quarter_events as (

    select
        cast({{ dbt.date_trunc('quarter', 'created_at') }} as date) as quarter_start,
        coalesce(segment, '(none)') as segment,
        1 as is_created,
        0 as is_closed,
        0 as is_won,
        cast(null as double) as won_amount_usd,
        cast(null as double) as won_cycle_days

    from dated_opportunities
    where created_at <= {{ as_of_timestamp() }}

    union all

    select
        cast({{ dbt.date_trunc('quarter', dbt.cast('close_date', dbt.type_timestamp())) }} as date) as quarter_start,
        coalesce(segment, '(none)') as segment,
        0 as is_created,
        1 as is_closed,
        case when is_won then 1 else 0 end as is_won,
        case when is_won then amount_usd end as won_amount_usd,
        case
            when is_won
                then cast(
                    {{ dbt.datediff('created_date', 'close_date', 'day') }}
                    as double
                )
        end as won_cycle_days

    from dated_opportunities
    where
        is_closed
        and cast(close_date as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }}

),

with_rollup as (

    select * from quarter_events
    union all
    select
        quarter_start,
        'All' as segment,
        is_created,
        is_closed,
        is_won,
        won_amount_usd,
        won_cycle_days
    from quarter_events

),

aggregated as (

    select
        quarter_start,
        segment,
        cast(sum(is_created) as bigint) as opportunities_created,
        cast(sum(is_closed) as bigint) as opportunities_closed,
        cast(sum(is_won) as bigint) as opportunities_won,
        cast(sum(won_amount_usd) as double) as won_amount_usd,
        cast(avg(won_amount_usd) as double) as avg_deal_size_usd,
        cast(avg(won_cycle_days) as double) as avg_sales_cycle_days

    from with_rollup
    group by quarter_start, segment

),

rated as (

    select
        aggregated.*,
        cast(aggregated.opportunities_won as double) / nullif(aggregated.opportunities_closed, 0) as win_rate

    from aggregated

),

final as (

    select
        {{ dbt.concat([dbt.cast('quarter_start', dbt.type_string()), "'|'", 'segment']) }} as report_row_id,
        quarter_start,
        segment,
        opportunities_created,
        opportunities_closed,
        opportunities_won,
        won_amount_usd,
        win_rate,
        avg_deal_size_usd,
        avg_sales_cycle_days,
        opportunities_created * win_rate * avg_deal_size_usd / nullif(avg_sales_cycle_days, 0)
            as sales_velocity_usd_per_day

    from rated

)

select * from final
