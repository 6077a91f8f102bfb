-- How far the forecast has missed, as each cutoff knows it: per cutoff and horizon (quarters
-- ahead, 0 .. 3), the backtest's forecasts for all segments made at earlier cutoffs whose
-- quarter had ended by this cutoff (int_forecast_quarters_scored), and the mean of their squared relative errors
-- ((forecast - actual) / actual)^2. The reports add this error, times the expected total
-- squared, to the range's variance: the coin flips and counts behind the formula only say how
-- much chance moves a quarter, not how wrong the method itself has been (a business that grows
-- or slows between cutoffs), and at volume the first shrinks to nothing while the second does
-- not. Every figure is known at the cutoff: the quarter scored has ended before it.

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

scored_quarters as (

    select * from {{ ref('int_forecast_quarters_scored') }}
    where segment = 'All'

),

scored as (

    select
        quarter_start,
        quarters_ahead,
        (forecast_usd - actual_usd) / actual_usd as error_share

    from scored_quarters
    where actual_usd > 0

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
