-- "Will we make the number?": for each of the four quarters from the one the as-of time falls
-- in, per segment and region and rolled up to 'All', the bookings won so far in the quarter,
-- the expected bookings of the open deals and of the pipeline not created yet, their total
-- with a 90% range (+- 1.645 standard deviations, the low end not below what is booked; the
-- variance adds the method's own past error at the quarter's horizon to chance's,
-- int_forecast_errors_learned), the bookings target and the gap to it (docs/forecast.md).

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

forecast_cutoff as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}
    where cutoff_kind = 'forecast'

),

errors as (

    select * from {{ ref('int_forecast_errors_learned') }}

),

quarters as (

    select * from {{ ref('int_forecast_quarters_listed') }}

),

-- The method's past mean squared relative error at each quarter's horizon.
model_errors as (

    select
        quarters.quarter_start,
        errors.mean_squared_error_share

    from forecast_cutoff
    inner join quarters
        on forecast_cutoff.cutoff_at = quarters.cutoff_at
    inner join errors
        on
            quarters.cutoff_at = errors.cutoff_at
            and quarters.quarters_ahead = errors.quarters_ahead

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

with_error as (

    select
        rolled_up.quarter_start,
        rolled_up.segment,
        rolled_up.region,
        rolled_up.booked_usd,
        rolled_up.open_pipeline_usd,
        rolled_up.new_pipeline_usd,
        rolled_up.bookings_variance
        + coalesce(model_errors.mean_squared_error_share, 0)
        * (rolled_up.booked_usd + rolled_up.open_pipeline_usd + rolled_up.new_pipeline_usd)
        * (rolled_up.booked_usd + rolled_up.open_pipeline_usd + rolled_up.new_pipeline_usd) as bookings_variance

    from rolled_up
    left join model_errors
        on rolled_up.quarter_start = model_errors.quarter_start

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
            dbt.cast('with_error.quarter_start', dbt.type_string()), "'|'", 'with_error.segment', "'|'", 'with_error.region',
        ]) }} as report_row_id,
        with_error.quarter_start,
        with_error.segment,
        with_error.region,
        with_error.booked_usd,
        with_error.open_pipeline_usd,
        with_error.new_pipeline_usd,
        with_error.booked_usd + with_error.open_pipeline_usd + with_error.new_pipeline_usd as expected_bookings_usd,
        case
            when
                with_error.booked_usd + with_error.open_pipeline_usd + with_error.new_pipeline_usd
                - 1.645 * sqrt(with_error.bookings_variance) < with_error.booked_usd
                then with_error.booked_usd
            else
                with_error.booked_usd + with_error.open_pipeline_usd + with_error.new_pipeline_usd
                - 1.645 * sqrt(with_error.bookings_variance)
        end as low_usd,
        with_error.booked_usd + with_error.open_pipeline_usd + with_error.new_pipeline_usd
        + 1.645 * sqrt(with_error.bookings_variance) as high_usd,
        cast(coalesce(exact_targets.target_usd, nested_targets.target_usd) as double) as target_usd,
        cast(coalesce(exact_targets.target_usd, nested_targets.target_usd) as double)
        - (with_error.booked_usd + with_error.open_pipeline_usd + with_error.new_pipeline_usd) as gap_usd

    from with_error
    left join targets_by_quarter as exact_targets
        on
            with_error.quarter_start = exact_targets.quarter_start
            and with_error.segment = exact_targets.segment
            and with_error.region = exact_targets.region
    left join targets_rolled_up as nested_targets
        on
            with_error.quarter_start = nested_targets.quarter_start
            and with_error.segment = nested_targets.segment
            and with_error.region = nested_targets.region

)

select * from final
