-- "Will we make the number?": for each of the four quarters from the one the as-of time falls
-- in, per segment and region and rolled up to 'All', the bookings won so far in the quarter,
-- the expected bookings of the open deals and of the pipeline not created yet, their total
-- with a 90% range (+- 1.645 standard deviations, the low end floored at 0), the bookings
-- target and the gap to it (docs/forecast.md).

{%- set rollups = [
    ('segment', 'region'),
    ('segment', none),
    (none, 'region'),
    (none, none),
] %}

with

expected as (

    select * from {{ ref('int_forecast_bookings_expected') }}
    where cutoff_kind = 'forecast'

),

targets as (

    select * from {{ ref('fct_revenue_targets') }}
    where metric = 'bookings_usd'

),

targets_by_quarter as (

    select
        cast({{ dbt.date_trunc('quarter', 'period_start') }} as date) as quarter_start,
        coalesce(segment, 'All') as segment,
        coalesce(region, 'All') as region,
        sum(target) as target_usd

    from targets
    group by
        cast({{ dbt.date_trunc('quarter', 'period_start') }} as date),
        coalesce(segment, 'All'),
        coalesce(region, 'All')

),

rolled_up as (

    {% for segment, region in rollups -%}
        select
            quarter_start,
            {{ segment or "'All'" }},
            {{ region or "'All'" }},
            {{ exact_sum('booked_usd') }} as booked_usd,
            {{ exact_sum('open_pipeline_usd') }} as open_pipeline_usd,
            {{ exact_sum('new_pipeline_usd') }} as new_pipeline_usd,
            {{ exact_sum('open_pipeline_variance + new_pipeline_variance') }} as bookings_variance

        from expected
        group by quarter_start{{ ', ' ~ segment if segment }}{{ ', ' ~ region if region }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- A row's target: the targets set at exactly its grain, else the sum of those set below it.
targets_rolled_up as (

    {% for segment, region in rollups -%}
        select
            quarter_start,
            {{ segment or "'All'" }},
            {{ region or "'All'" }},
            sum(target_usd) as target_usd

        from targets_by_quarter
        where segment != 'All' and region != 'All'
        group by quarter_start{{ ', ' ~ segment if segment }}{{ ', ' ~ region if region }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('rolled_up.quarter_start', dbt.type_string()), "'|'", 'rolled_up.segment', "'|'", 'rolled_up.region',
        ]) }} as report_row_id,
        rolled_up.quarter_start,
        rolled_up.segment,
        rolled_up.region,
        rolled_up.booked_usd,
        rolled_up.open_pipeline_usd,
        rolled_up.new_pipeline_usd,
        rolled_up.booked_usd + rolled_up.open_pipeline_usd + rolled_up.new_pipeline_usd as expected_bookings_usd,
        case
            when
                rolled_up.booked_usd + rolled_up.open_pipeline_usd + rolled_up.new_pipeline_usd
                - 1.645 * sqrt(rolled_up.bookings_variance) < rolled_up.booked_usd
                then rolled_up.booked_usd
            else
                rolled_up.booked_usd + rolled_up.open_pipeline_usd + rolled_up.new_pipeline_usd
                - 1.645 * sqrt(rolled_up.bookings_variance)
        end as low_usd,
        rolled_up.booked_usd + rolled_up.open_pipeline_usd + rolled_up.new_pipeline_usd
        + 1.645 * sqrt(rolled_up.bookings_variance) as high_usd,
        cast(coalesce(exact_targets.target_usd, nested_targets.target_usd) as double) as target_usd,
        cast(coalesce(exact_targets.target_usd, nested_targets.target_usd) as double)
        - (rolled_up.booked_usd + rolled_up.open_pipeline_usd + rolled_up.new_pipeline_usd) as gap_usd

    from rolled_up
    left join targets_by_quarter as exact_targets
        on
            rolled_up.quarter_start = exact_targets.quarter_start
            and rolled_up.segment = exact_targets.segment
            and rolled_up.region = exact_targets.region
    left join targets_rolled_up as nested_targets
        on
            rolled_up.quarter_start = nested_targets.quarter_start
            and rolled_up.segment = nested_targets.segment
            and rolled_up.region = nested_targets.region

)

select * from final
