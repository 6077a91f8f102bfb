-- The forecast's track record: at the start of every ended quarter (with enough history
-- before it, int_forecast_cutoffs_listed), the forecast of that quarter made with only what
-- was known then, against the bookings it actually won, for all segments and per segment:
-- the error (forecast - actual), the error as a share of the actual, and whether the actual
-- fell inside the 90% range.

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

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

actuals as (

    select
        cutoffs.cutoff_at,
        coalesce(opportunities.segment, '(none)') as segment,
        cast(opportunities.amount_usd as double) as won_usd

    from cutoffs
    inner join opportunities
        on
            opportunities.is_won
            and cutoffs.first_quarter_start <= opportunities.close_date
            and opportunities.close_date < {{ add_months_to_date('cutoffs.first_quarter_start', 3) }}

),

segments as (

    select segment from expected
    union
    select segment from actuals

),

-- Every cutoff at every grain, whether or not it forecast or won anything there.
grains as (

    {% for segment in rollups -%}
        select distinct
            cutoffs.cutoff_at,
            cutoffs.first_quarter_start as quarter_start,
            {% if segment %}segments.segment{% else %}'All' as segment{% endif %}

        from cutoffs
        {% if segment -%}
            cross join segments
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

forecast as (

    {% for segment in rollups -%}
        select
            expected.cutoff_at,
            {% if segment %}expected.segment{% else %}'All' as segment{% endif %},
            {{ exact_sum('expected.booked_usd + expected.open_pipeline_usd + expected.new_pipeline_usd') }}
                as forecast_usd,
            {{ exact_sum('expected.open_pipeline_variance + expected.new_pipeline_variance') }}
                as forecast_variance

        from expected
        inner join cutoffs
            on
                expected.cutoff_at = cutoffs.cutoff_at
                and expected.quarter_start = cutoffs.first_quarter_start
        group by expected.cutoff_at{{ ', expected.segment' if segment }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

actual as (

    {% for segment in rollups -%}
        select
            cutoff_at,
            {% if segment %}segment{% else %}'All' as segment{% endif %},
            {{ exact_sum('won_usd') }} as actual_usd

        from actuals
        group by cutoff_at{{ ', segment' if segment }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        grains.cutoff_at,
        grains.quarter_start,
        grains.segment,
        coalesce(forecast.forecast_usd, 0) as forecast_usd,
        case
            when coalesce(forecast.forecast_usd, 0) - 1.645 * sqrt(coalesce(forecast.forecast_variance, 0)) < 0
                then 0
            else coalesce(forecast.forecast_usd, 0) - 1.645 * sqrt(coalesce(forecast.forecast_variance, 0))
        end as low_usd,
        coalesce(forecast.forecast_usd, 0) + 1.645 * sqrt(coalesce(forecast.forecast_variance, 0)) as high_usd,
        cast(coalesce(actual.actual_usd, 0) as double) as actual_usd

    from grains
    left join forecast
        on
            grains.cutoff_at = forecast.cutoff_at
            and grains.segment = forecast.segment
    left join actual
        on
            grains.cutoff_at = actual.cutoff_at
            and grains.segment = actual.segment

),

final as (

    select
        {{ dbt.concat([dbt.cast('quarter_start', dbt.type_string()), "'|'", 'segment']) }} as report_row_id,
        cutoff_at,
        quarter_start,
        segment,
        forecast_usd,
        low_usd,
        high_usd,
        actual_usd,
        forecast_usd - actual_usd as error_usd,
        case when actual_usd > 0 then (forecast_usd - actual_usd) / actual_usd end as error_share,
        actual_usd >= low_usd and actual_usd <= high_usd as is_within_range

    from compared

)

select * from final
