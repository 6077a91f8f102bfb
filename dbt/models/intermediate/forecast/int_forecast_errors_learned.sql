-- How far the forecast has missed, as each cutoff knows it: per cutoff and horizon (quarters
-- ahead, 0 .. 3), the backtest's forecasts for all segments made at earlier cutoffs whose
-- quarter had ended by this cutoff, and the mean of their squared relative errors
-- ((forecast - actual) / actual)^2. The reports add this error, times the expected total
-- squared, to the range's variance: the coin flips and counts behind the formula only say how
-- much chance moves a quarter, not how wrong the method itself has been (a business that grows
-- or slows between cutoffs), and at volume the first shrinks to nothing while the second does
-- not. Every figure is known at the cutoff: the quarter scored has ended before it.

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

expected as (

    select * from {{ ref('int_forecast_bookings_expected') }}
    where cutoff_kind = 'backtest'

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

quarter_offsets as (

    {{ integer_series(1, 'quarters_ahead') }}

),

forecasts as (

    select
        cutoff_at,
        quarter_start,
        {{ exact_sum('booked_usd + open_pipeline_usd + new_pipeline_usd') }} as forecast_usd

    from expected
    group by cutoff_at, quarter_start

),

won as (

    select
        cast({{ dbt.date_trunc('quarter', 'close_date') }} as date) as quarter_start,
        {{ exact_sum('cast(amount_usd as double)') }} as actual_usd

    from opportunities
    where is_won
    group by cast({{ dbt.date_trunc('quarter', 'close_date') }} as date)

),

scored as (

    select
        forecasts.cutoff_at as made_at,
        forecasts.quarter_start,
        quarter_offsets.quarters_ahead,
        (cast(forecasts.forecast_usd as double) - cast(won.actual_usd as double))
        / cast(won.actual_usd as double) as error_share

    from forecasts
    inner join cutoffs as made
        on forecasts.cutoff_at = made.cutoff_at
    inner join quarter_offsets
        on
            quarter_offsets.quarters_ahead < 4
            and forecasts.quarter_start
            = {{ add_months_to_date('made.first_quarter_start', '3 * quarter_offsets.quarters_ahead') }}
    inner join won
        on forecasts.quarter_start = won.quarter_start
    where won.actual_usd > 0

),

final as (

    select
        cutoffs.cutoff_at,
        scored.quarters_ahead,
        count(*) as scored_forecasts,
        cast({{ exact_sum('scored.error_share * scored.error_share') }} as double)
        / count(*) as mean_squared_error_share

    from cutoffs
    inner join scored
        on
            cast({{ add_months_to_date('scored.quarter_start', 3) }} as {{ dbt.type_timestamp() }})
            <= cutoffs.cutoff_at
    group by cutoffs.cutoff_at, scored.quarters_ahead

)

select * from final
