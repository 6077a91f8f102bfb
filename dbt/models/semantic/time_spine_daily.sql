-- One row per calendar day from 2000-01-01 to 2049-12-31: the time spine MetricFlow joins to for
-- cumulative metrics, filled gaps and periods (week, month, quarter, year) of metric_time.
with

-- Day offsets 0 .. 99,999 (integer_series: a spine both engines run).
day_offsets as (

    {{ integer_series(5, 'day_offset') }}

),

days as (

    select {{ add_days_to_date("cast('2000-01-01' as date)", 'day_offset') }} as date_day
    from day_offsets

),

final as (

    select date_day
    from days
    where date_day < cast('2050-01-01' as date)

)

select * from final
