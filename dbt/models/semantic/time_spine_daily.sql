-- One row per calendar day from 2000-01-01 to 2049-12-31: the time spine MetricFlow joins to for
-- cumulative metrics, filled gaps and periods (week, month, quarter, year) of metric_time.
with

digits as (

    {% for digit in range(10) -%}
        select {{ digit }} as digit
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- Day offsets 0 .. 99,999 from five digit columns: plain SQL both engines run (dbt's
-- date_spine asks the engine for the interval count at compile time, which dbt-spark's
-- session mode cannot answer; dbt-spark's dateadd is NULL under TIMESTAMP_NTZ).
day_offsets as (

    select
        ten_thousands.digit * 10000
        + thousands.digit * 1000
        + hundreds.digit * 100
        + tens.digit * 10
        + ones.digit as day_offset

    from digits as ten_thousands
    cross join digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as ones

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
