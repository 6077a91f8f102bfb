-- The windowed touches of the opportunities this build computes the credits of
-- (int_opportunities_changed: every one on a full build): what the credit models read, so that
-- a daily build writes credits for the deals that changed only.
-- A view: the credit models read it once each, inside fct_attribution_credits' statement.
{{ config(materialized='view') }}
with

windowed_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}

),

recomputed as (

    select * from {{ opportunities_to_compute() }}

),

final as (

    select windowed_touches.*

    from windowed_touches
    inner join recomputed
        on windowed_touches.opportunity_id = recomputed.opportunity_id

)

select * from final
