-- The backtest's forecasts against what happened, once, for both readers: per backtest cutoff,
-- quarters ahead (0 .. 3) whose quarter has ended by the as-of time, and segment (and 'All'),
-- the forecast made at the cutoff (its total and the variance of chance behind it) and the
-- bookings the quarter actually won. int_forecast_errors_learned learns the method's own error
-- from the 'All' rows; rpt_revenue_forecast_backtest adds the range and reports every row.

{%- set rollups = ['segment', none] %}

with

expected as (

    select * from {{ ref('int_forecast_bookings_expected') }}
    where cutoff_kind = 'backtest'

),

quarters as (

    select * from {{ ref('int_forecast_quarters_listed') }}

),

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}
    where cutoff_kind = 'backtest'

),

as_of as (

    select as_of_at from {{ ref('int_as_of_resolved') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

-- Each cutoff's four quarters that have ended by the as-of time.
horizons as (

    select
        quarters.cutoff_at,
        quarters.quarters_ahead,
        quarters.quarter_start

    from quarters
    inner join cutoffs
        on quarters.cutoff_at = cutoffs.cutoff_at
    cross join as_of
    where cast(quarters.next_quarter_start as {{ dbt.type_timestamp() }}) <= as_of.as_of_at

),

won as (

    select
        cast({{ dbt.date_trunc('quarter', 'close_date') }} as date) as quarter_start,
        coalesce(segment, '(none)') as segment,
        cast(amount_usd as double) as won_usd

    from opportunities
    where is_won

),

segments as (

    select segment from expected
    union
    select segment from won

),

grains as (

    select
        horizons.cutoff_at,
        horizons.quarters_ahead,
        horizons.quarter_start,
        segments.segment

    from horizons
    cross join segments

    union all

    select
        cutoff_at,
        quarters_ahead,
        quarter_start,
        'All' as segment

    from horizons

),

forecast as (

    {% for segment in rollups -%}
        select
            cutoff_at,
            quarter_start,
            {% if segment %}segment{% else %}'All' as segment{% endif %},
            {{ exact_sum('booked_usd + open_pipeline_usd + new_pipeline_usd') }} as forecast_usd,
            {{ exact_sum('open_pipeline_variance + new_pipeline_variance') }} as chance_variance

        from expected
        group by cutoff_at, quarter_start{{ ', segment' if segment }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

actual as (

    {% for segment in rollups -%}
        select
            quarter_start,
            {% if segment %}segment{% else %}'All' as segment{% endif %},
            {{ exact_sum('won_usd') }} as actual_usd

        from won
        group by quarter_start{{ ', segment' if segment }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        grains.cutoff_at,
        grains.quarters_ahead,
        grains.quarter_start,
        grains.segment,
        coalesce(forecast.forecast_usd, 0) as forecast_usd,
        coalesce(forecast.chance_variance, 0) as chance_variance,
        cast(coalesce(actual.actual_usd, 0) as double) as actual_usd

    from grains
    left join forecast
        on
            grains.cutoff_at = forecast.cutoff_at
            and grains.quarter_start = forecast.quarter_start
            and grains.segment = forecast.segment
    left join actual
        on
            grains.quarter_start = actual.quarter_start
            and grains.segment = actual.segment

)

select * from final
