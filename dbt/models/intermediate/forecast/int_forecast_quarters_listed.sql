-- Each cutoff's four forecast quarters: the one it falls in and the three after
-- (quarters_ahead 0 to 3), with where each starts and where the next starts, as dates and in
-- days from the cutoff's day. Every forecast model places its expectations in these.

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

quarter_offsets as (

    {{ integer_series(1, 'quarters_ahead') }}

),

quarters as (

    select
        cutoffs.cutoff_at,
        quarter_offsets.quarters_ahead,
        {{ add_months_to_date('cutoffs.first_quarter_start', '3 * quarter_offsets.quarters_ahead') }}
            as quarter_start,
        {{ add_months_to_date('cutoffs.first_quarter_start', '3 * quarter_offsets.quarters_ahead + 3') }}
            as next_quarter_start

    from cutoffs
    cross join quarter_offsets
    where quarter_offsets.quarters_ahead < 4

),

final as (

    select
        cutoff_at,
        quarters_ahead,
        quarter_start,
        next_quarter_start,
        {{ days_between('cast(cutoff_at as date)', 'quarter_start') }} as quarter_start_day,
        {{ days_between('cast(cutoff_at as date)', 'next_quarter_start') }} as quarter_end_day

    from quarters

)

select * from final
