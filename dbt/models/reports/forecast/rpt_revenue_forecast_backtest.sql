-- The forecast's track record: at the start of every ended quarter (with enough history before
-- it, int_forecast_cutoffs_listed), the forecast of that quarter and of the three after it made
-- with only what was known then, against what each quarter actually won (every quarter that has
-- ended by the as-of time), for all segments and per segment: the error (forecast - actual), the
-- error as a share of the actual, and whether the actual fell inside the 90% range.

with

scored as (

    select * from {{ ref('int_forecast_quarters_scored') }}

),

errors as (

    select * from {{ ref('int_forecast_errors_learned') }}

),

-- The range holds chance and the method's own past error at this horizon, as the forecast's.
compared as (

    select
        scored.cutoff_at,
        scored.quarters_ahead,
        scored.quarter_start,
        scored.segment,
        scored.forecast_usd,
        scored.chance_variance
        + coalesce(errors.mean_squared_error_share, 0)
        * scored.forecast_usd * scored.forecast_usd as forecast_variance,
        scored.actual_usd

    from scored
    left join errors
        on
            scored.cutoff_at = errors.cutoff_at
            and scored.quarters_ahead = errors.quarters_ahead

),

ranged as (

    select
        compared.*,
        case
            when compared.forecast_usd - 1.645 * sqrt(compared.forecast_variance) < 0 then 0
            else compared.forecast_usd - 1.645 * sqrt(compared.forecast_variance)
        end as low_usd,
        compared.forecast_usd + 1.645 * sqrt(compared.forecast_variance) as high_usd

    from compared

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('cutoff_at', dbt.type_string()), "'|'", dbt.cast('quarter_start', dbt.type_string()), "'|'",
            'segment',
        ]) }} as report_row_id,
        cutoff_at,
        quarters_ahead,
        quarter_start,
        segment,
        forecast_usd,
        low_usd,
        high_usd,
        actual_usd,
        forecast_usd - actual_usd as error_usd,
        case when actual_usd > 0 then (forecast_usd - actual_usd) / actual_usd end as error_share,
        actual_usd >= low_usd and actual_usd <= high_usd as is_within_range

    from ranged

)

select * from final
