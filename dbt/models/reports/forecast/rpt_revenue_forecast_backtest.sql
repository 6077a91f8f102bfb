-- The forecast's track record: at the start of every ended quarter (with enough history before
-- it, int_forecast_cutoffs_listed), the forecast of that quarter and of the three after it made
-- with only what was known then, against what each quarter actually won (every quarter that has
-- ended by the as-of time), for all segments and per segment: the error (forecast - actual), the
-- error as a share of the actual, and whether the actual fell inside the 90% range.

{%- set rollups = ['segment', none] %}

with

expected as (

    select * from {{ ref('int_forecast_bookings_expected') }}
    where cutoff_kind = 'backtest'

),

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}
    where cutoff_kind = 'backtest'

),

as_of as (

    select as_of_at from {{ ref('int_as_of_resolved') }}

),

errors as (

    select * from {{ ref('int_forecast_errors_learned') }}

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

quarter_offsets as (

    {{ integer_series(1, 'quarters_ahead') }}

),

-- Each cutoff's four quarters that have ended by the as-of time.
horizons as (

    select
        cutoffs.cutoff_at,
        quarter_offsets.quarters_ahead,
        {{ add_months_to_date('cutoffs.first_quarter_start', '3 * quarter_offsets.quarters_ahead') }}
            as quarter_start

    from cutoffs
    cross join quarter_offsets
    cross join as_of
    where
        quarter_offsets.quarters_ahead < 4
        and cast({{ add_months_to_date(
            'cutoffs.first_quarter_start', '3 * quarter_offsets.quarters_ahead + 3'
        ) }} as {{ dbt.type_timestamp() }}) <= as_of.as_of_at

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
            {{ exact_sum('open_pipeline_variance + new_pipeline_variance') }} as forecast_variance

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

compared as (

    select
        grains.cutoff_at,
        grains.quarters_ahead,
        grains.quarter_start,
        grains.segment,
        coalesce(forecast.forecast_usd, 0) as forecast_usd,
        coalesce(forecast.forecast_variance, 0)
        + coalesce(errors.mean_squared_error_share, 0)
        * coalesce(forecast.forecast_usd, 0) * coalesce(forecast.forecast_usd, 0) as forecast_variance,
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
    left join errors
        on
            grains.cutoff_at = errors.cutoff_at
            and grains.quarters_ahead = errors.quarters_ahead

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
