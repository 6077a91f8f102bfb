-- The revenue forecast at its finest grain (quarter, segment, region), without the report's
-- 'All' rollups, so MetricFlow can sum it over any grouping without counting a quarter twice.
-- The range is left out: standard deviations do not add up (rpt_revenue_forecast has it per row).
with

forecast as (

    select * from {{ ref('rpt_revenue_forecast') }}

),

final as (

    select
        report_row_id as forecast_row_id,
        quarter_start,
        segment,
        region,
        booked_usd,
        open_pipeline_usd,
        new_pipeline_usd,
        expected_bookings_usd

    from forecast
    where segment != 'All' and region != 'All'

)

select * from final
