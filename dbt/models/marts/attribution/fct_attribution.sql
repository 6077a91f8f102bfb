-- The attribution rows BI tools read: fct_attribution_credits, where the rows are built and
-- stored, with each credited touch's own details (when, which contact and account) looked up
-- in fct_touchpoints, and the row's key. A view on DuckDB, so those columns are not stored a
-- second time (at 10M touchpoints the stored table would be 2.4 GB larger and 40 s slower to
-- write); the serving database and its Parquet export carry it like any public table.
--
-- The relations are named without their database so the view reads the tables of whichever
-- file holds it: the warehouse, or the serving copy BI tools open.
{{ config(materialized=attribution_rows_materialization()) }}

with

credits as (

    select * from {{ ref('fct_attribution_credits').include(database=False) }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints').include(database=False) }}

),

final as (

    select
        {{ dbt.concat([
            'credits.opportunity_id', "'|'", 'credits.model', "'|'",
            "coalesce(credits.touchpoint_id, '(unattributed)')"
        ]) }} as attribution_id,
        credits.opportunity_id,
        credits.model,
        credits.touchpoint_id,
        touchpoints.contact_id,
        touchpoints.account_id,
        touchpoints.touched_at,
        credits.touch_type,
        credits.channel,
        credits.campaign_id,
        credits.is_marketing,
        credits.is_first_touch,
        credits.is_lead_creation_touch,
        credits.is_opportunity_creation_touch,
        credits.is_closed_won_touch,
        credits.credit,
        credits.opportunity_created_at,
        credits.close_date,
        credits.is_closed,
        credits.is_won,
        credits.amount_usd,
        credits.attributed_pipeline_usd,
        credits.attributed_revenue_usd

    from credits
    left join touchpoints
        on credits.touchpoint_id = touchpoints.touchpoint_id

)

select * from final
