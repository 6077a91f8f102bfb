-- Each cutoff's bookings from deals not created yet, by their run rate: per segment and region,
-- the deals created per day over the 365 days before the cutoff, expected in each forecast
-- quarter's days after the cutoff; each worth what a new deal of its segment won (the share of
-- deals created before the cutoff and closed before it that were won, x their mean won USD
-- amount; pooled to all segments below `forecast_min_snapshots` closed deals), spread over the
-- 30-day buckets from creation to close its won peers took, counted from the middle of the days
-- they are created in. Variance: the wins as Poisson, each paying the mean won amount.

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

quarter_offsets as (

    {{ integer_series(1, 'quarter_offset') }}

),

quarters as (

    select
        cutoffs.cutoff_at,
        {{ add_months_to_date('cutoffs.first_quarter_start', '3 * quarter_offsets.quarter_offset') }}
            as quarter_start,
        {{ add_months_to_date('cutoffs.first_quarter_start', '3 * quarter_offsets.quarter_offset + 3') }}
            as span_end

    from cutoffs
    cross join quarter_offsets
    where quarter_offsets.quarter_offset < 4

),

-- The days of each quarter after the cutoff, in which new deals are still to be created.
creation_spans as (

    select
        cutoff_at,
        case
            when quarter_start > cast(cutoff_at as date) then quarter_start
            else cast(cutoff_at as date)
        end as span_start,
        span_end

    from quarters

),

creation_rates as (

    select
        cutoffs.cutoff_at,
        coalesce(opportunities.segment, '(none)') as segment,
        coalesce(opportunities.region, '(none)') as region,
        cast(count(*) as double) / 365 as deals_per_day

    from cutoffs
    inner join opportunities
        on
            cutoffs.cutoff_at > opportunities.created_at
            and {{ add_days('cutoffs.cutoff_at', -365) }} <= opportunities.created_at
    group by
        cutoffs.cutoff_at,
        coalesce(opportunities.segment, '(none)'),
        coalesce(opportunities.region, '(none)')

),

resolved as (

    select
        cutoffs.cutoff_at,
        coalesce(opportunities.segment, '(none)') as segment,
        opportunities.is_won,
        cast(opportunities.amount_usd as double) as amount_usd,
        case
            when {{ days_between('opportunities.created_at', 'opportunities.close_date') }} >= 360 then 12
            else cast(floor({{ days_between('opportunities.created_at', 'opportunities.close_date') }} / 30) as integer)
        end as lag_bucket

    from cutoffs
    inner join opportunities
        on
            opportunities.is_closed
            and cast(cutoffs.cutoff_at as date) > opportunities.close_date

),

-- What a new deal is worth per segment ('(any)': all), and the share of its won USD per bucket.
values_learned as (

    select
        cutoff_at,
        segment,
        count(*) as resolved_deals,
        {{ exact_sum('case when is_won then coalesce(amount_usd, 0) else 0 end') }} as won_usd,
        sum(case when is_won then 1 else 0 end) as won_deals

    from resolved
    group by cutoff_at, segment

    union all

    select
        cutoff_at,
        '(any)' as segment,
        count(*) as resolved_deals,
        {{ exact_sum('case when is_won then coalesce(amount_usd, 0) else 0 end') }} as won_usd,
        sum(case when is_won then 1 else 0 end) as won_deals

    from resolved
    group by cutoff_at

),

lags_learned as (

    select
        cutoff_at,
        segment,
        lag_bucket,
        {{ exact_sum('coalesce(amount_usd, 0)') }} as won_usd

    from resolved
    where is_won
    group by cutoff_at, segment, lag_bucket

    union all

    select
        cutoff_at,
        '(any)' as segment,
        lag_bucket,
        {{ exact_sum('coalesce(amount_usd, 0)') }} as won_usd

    from resolved
    where is_won
    group by cutoff_at, lag_bucket

),

counted as (

    select
        creation_spans.cutoff_at,
        creation_rates.segment,
        creation_rates.region,
        {{ add_days_to_date(
            'creation_spans.span_start',
            'cast(floor(' ~ days_between('creation_spans.span_start', 'creation_spans.span_end') ~ ' / 2) as integer)'
        ) }} as counted_from,
        creation_rates.deals_per_day
        * {{ days_between('creation_spans.span_start', 'creation_spans.span_end') }} as deals

    from creation_spans
    inner join creation_rates
        on creation_spans.cutoff_at = creation_rates.cutoff_at

),

picked as (

    select
        counted.*,
        case
            when own.resolved_deals >= {{ var('forecast_min_snapshots') }} then counted.segment
            else '(any)'
        end as pooled_segment

    from counted
    left join values_learned as own
        on
            counted.cutoff_at = own.cutoff_at
            and counted.segment = own.segment

),

final as (

    select
        picked.cutoff_at,
        picked.segment,
        picked.region,
        picked.counted_from,
        picked.deals,
        lags_learned.lag_bucket,
        cast({{ dbt.date_trunc('quarter', add_days_to_date(
            'picked.counted_from', '30 * lags_learned.lag_bucket + 15'
        )) }} as date) as expected_quarter_start,
        picked.deals * lags_learned.won_usd / values_learned.resolved_deals as expected_bookings_usd,
        picked.deals * (cast(values_learned.won_deals as double) / values_learned.resolved_deals)
        * (values_learned.won_usd / values_learned.won_deals) * (lags_learned.won_usd / values_learned.won_deals)
            as bookings_variance

    from picked
    inner join values_learned
        on
            picked.cutoff_at = values_learned.cutoff_at
            and picked.pooled_segment = values_learned.segment
    inner join lags_learned
        on
            picked.cutoff_at = lags_learned.cutoff_at
            and picked.pooled_segment = lags_learned.segment

)

select * from final
