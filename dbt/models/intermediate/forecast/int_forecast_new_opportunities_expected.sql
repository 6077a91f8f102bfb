-- Each cutoff's bookings from deals not created yet, by their run rate: per segment and region,
-- the deals created per day over the `forecast_run_rate_days` (91) days before the cutoff (the
-- latest pace: a growing business outruns a year's average), created on every day from the
-- cutoff to the end of its fourth quarter. What a new deal is worth, per 30-day bucket b from
-- creation to close: among the deals of its segment created at least 30 (b + 1) days before
-- the cutoff (so the bucket has passed for each), the USD won in bucket b per deal. Like the
-- open deals' life table, this counts slow wins and still-open deals instead of learning only
-- from the deals that closed quickly. A segment with few such deals is shrunk toward all
-- segments' value: (its won USD + k x all segments' value per deal) / (its deals + k), with
-- k = `forecast_min_snapshots`, so a thin segment keeps what sets it apart (an enterprise deal
-- is worth more) without resting on a handful of deals.
--
-- A deal created on day d and won in bucket b books on day d + 30 b + 15; the deals booking in
-- each quarter are the deals per day x the days of the creation window that land there. Variance:
-- the wins as a compound Poisson count, each paying an amount drawn from the bucket's won
-- amounts (deals x their mean squared won USD per deal), plus the uncertainty of the learned
-- value itself (deals^2 x the won USD's variance per deal / (deals learned from + k)).
-- created_deals, the deals the run rate was counted from, gives the run rate's own
-- uncertainty (relative variance 1 / created_deals); int_forecast_bookings_expected adds it
-- per segment and region, where every bucket and quarter shares it.

{%- set k = var('forecast_min_snapshots') %}

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

forecast_quarters as (

    select * from {{ ref('int_forecast_quarters_listed') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

lag_buckets as (

    {{ integer_series(2, 'lag_bucket') }}

),

-- The four quarters, in days from the cutoff; the creation window runs to the end of the last.
quarters as (

    select
        cutoff_at,
        quarter_start,
        quarter_start_day,
        quarter_end_day,
        max(quarter_end_day) over (partition by cutoff_at) as window_end_day

    from forecast_quarters

),

creation_rates as (

    select
        cutoffs.cutoff_at,
        coalesce(opportunities.segment, '(none)') as segment,
        coalesce(opportunities.region, '(none)') as region,
        count(*) as created_deals,
        cast(count(*) as double) / {{ var('forecast_run_rate_days') }} as deals_per_day

    from cutoffs
    inner join opportunities
        on
            cutoffs.cutoff_at > opportunities.created_at
            and {{ add_days('cutoffs.cutoff_at', -var('forecast_run_rate_days')) }} <= opportunities.created_at
    group by
        cutoffs.cutoff_at,
        coalesce(opportunities.segment, '(none)'),
        coalesce(opportunities.region, '(none)')

),

deals as (

    select
        coalesce(segment, '(none)') as segment,
        cast(created_at as date) as created_on,
        case
            when is_won and {{ days_between('created_at', 'close_date') }} < 360
                then cast(floor({{ days_between('created_at', 'close_date') }} / 30) as integer)
        end as won_bucket,
        cast(amount_usd as double) as amount_usd

    from opportunities

),

-- Per segment, creation day and bucket won in: the deals, and the won USD and its squares.
deals_counted as (

    select
        segment,
        created_on,
        won_bucket,
        count(*) as deals,
        {{ exact_sum('case when won_bucket is not null then coalesce(amount_usd, 0) else 0 end') }} as won_usd,
        {{ exact_sum(
            'case when won_bucket is not null then coalesce(amount_usd, 0) * coalesce(amount_usd, 0) else 0 end'
        ) }} as won_usd_squared

    from deals
    group by segment, created_on, won_bucket

),

exposed as (

    select
        cutoffs.cutoff_at,
        lag_buckets.lag_bucket,
        deals_counted.segment,
        deals_counted.deals,
        case when deals_counted.won_bucket = lag_buckets.lag_bucket then deals_counted.won_usd else 0 end as won_usd,
        case
            when deals_counted.won_bucket = lag_buckets.lag_bucket then deals_counted.won_usd_squared else 0
        end as won_usd_squared

    from cutoffs
    cross join lag_buckets
    inner join deals_counted
        on
            {{ add_days_to_date('deals_counted.created_on', '30 * (lag_buckets.lag_bucket + 1)') }}
            <= cast(cutoffs.cutoff_at as date)
    where lag_buckets.lag_bucket < 12

),

segment_values as (

    select
        cutoff_at,
        segment,
        lag_bucket,
        sum(deals) as exposed_deals,
        cast({{ exact_sum('won_usd') }} as double) as won_usd,
        cast({{ exact_sum('won_usd_squared') }} as double) as won_usd_squared

    from exposed
    group by cutoff_at, segment, lag_bucket

),

all_values as (

    select
        cutoff_at,
        lag_bucket,
        sum(deals) as exposed_deals,
        cast({{ exact_sum('won_usd') }} as double) as won_usd,
        cast({{ exact_sum('won_usd_squared') }} as double) as won_usd_squared

    from exposed
    group by cutoff_at, lag_bucket

),

-- What a new deal of each segment is worth per bucket, shrunk toward all segments' value.
values_learned as (

    select
        creation_rates.cutoff_at,
        creation_rates.segment,
        creation_rates.region,
        creation_rates.created_deals,
        creation_rates.deals_per_day,
        all_values.lag_bucket,
        coalesce(segment_values.exposed_deals, 0) + {{ k }} as learned_from_deals,
        (coalesce(segment_values.won_usd, 0) + {{ k }} * all_values.won_usd / all_values.exposed_deals)
        / (coalesce(segment_values.exposed_deals, 0) + {{ k }}) as value_per_deal,
        (coalesce(segment_values.won_usd_squared, 0) + {{ k }} * all_values.won_usd_squared / all_values.exposed_deals)
        / (coalesce(segment_values.exposed_deals, 0) + {{ k }}) as value_squared_per_deal

    from creation_rates
    inner join all_values
        on creation_rates.cutoff_at = all_values.cutoff_at
    left join segment_values
        on
            creation_rates.cutoff_at = segment_values.cutoff_at
            and creation_rates.segment = segment_values.segment
            and all_values.lag_bucket = segment_values.lag_bucket

),

-- The deals whose bucket-b win lands in each quarter: the creation window's days, shifted by
-- 30 b + 15, that fall inside the quarter.
placed as (

    select
        values_learned.*,
        quarters.quarter_start as expected_quarter_start,
        values_learned.deals_per_day * (
            least(quarters.window_end_day + 30 * values_learned.lag_bucket + 15, quarters.quarter_end_day)
            - greatest(30 * values_learned.lag_bucket + 15, quarters.quarter_start_day)
        ) as deals

    from values_learned
    inner join quarters
        on
            values_learned.cutoff_at = quarters.cutoff_at
            and 30 * values_learned.lag_bucket + 15 < quarters.quarter_end_day

),

final as (

    select
        cutoff_at,
        segment,
        region,
        expected_quarter_start,
        lag_bucket,
        created_deals,
        deals,
        deals * value_per_deal as expected_bookings_usd,
        deals * value_squared_per_deal as bookings_variance,
        case
            when value_squared_per_deal > value_per_deal * value_per_deal
                then deals * deals * (value_squared_per_deal - value_per_deal * value_per_deal) / learned_from_deals
            else 0
        end as value_variance

    from placed
    where deals > 0 and value_per_deal > 0

)

select * from final
