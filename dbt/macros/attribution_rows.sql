{#- The stored attribution rows (fct_attribution_credits' columns) of credits: `credits` names
    a relation of credit rows (opportunity_id, model, touchpoint_id, the four role flags,
    credit, pipeline_cents), `opportunities` int_opportunities_converted and `touchpoints`
    int_touchpoints_classified (CTEs of the calling model or relations); without
    `touchpoints`, the credit rows bring their touch's touch_type, channel, campaign_id and
    is_marketing themselves. Each row gets its touch's channel and campaign and its deal's
    dates and money: the credit models' cents in USD, except where a row holds the whole credit
    and so the whole amount (last_non_direct, the unattributed rows); revenue only for won
    deals; NULL money for a deal with no USD amount. Returns a parenthesised subquery the
    caller names.

    Two statements use it: the model's own, for the rule-based models, and the post-hook that
    appends the data-driven models' rows (insert_data_driven_attribution), so both write the
    same columns in the same order by the same rules. -#}
{% macro attribution_rows(credits, opportunities, touchpoints=none) -%}
{%- set touch = 'apportioned' if touchpoints is none else 'touchpoints' -%}
(
    select
        apportioned.opportunity_id,
        apportioned.model,
        apportioned.touchpoint_id,
        {{ touch }}.touch_type,
        coalesce({{ touch }}.channel, '(unattributed)') as channel,
        {{ touch }}.campaign_id,
        coalesce({{ touch }}.is_marketing, false) as is_marketing,
        apportioned.is_first_touch,
        apportioned.is_lead_creation_touch,
        apportioned.is_opportunity_creation_touch,
        apportioned.is_closed_won_touch,
        cast(apportioned.credit as {{ credit_type() }}) as credit,
        apportioned.opportunity_created_at,
        apportioned.close_date,
        apportioned.is_closed,
        apportioned.is_won,
        cast(apportioned.amount_usd as {{ money_type() }}) as amount_usd,
        cast(apportioned.pipeline_usd as {{ money_type() }}) as attributed_pipeline_usd,
        cast(
            case
                when apportioned.amount_usd is null then null
                when apportioned.is_won then apportioned.pipeline_usd
                else 0
            end as {{ money_type() }}
        ) as attributed_revenue_usd

    from (
        select
            credits.*,
            case
                when credits.credit = 1 then {{ usd_to_cents('opportunities.amount_usd') }}
                else credits.pipeline_cents
            end * cast(0.01 as decimal(3, 2)) as pipeline_usd,
            opportunities.created_at as opportunity_created_at,
            opportunities.close_date,
            opportunities.is_closed,
            opportunities.is_won,
            opportunities.amount_usd

        from {{ credits }} as credits
        inner join {{ opportunities }} as opportunities
            on credits.opportunity_id = opportunities.opportunity_id
    ) as apportioned
    {%- if touchpoints is not none %}
    left join {{ touchpoints }} as touchpoints
        on apportioned.touchpoint_id = touchpoints.touchpoint_id
    {%- endif %}
)
{%- endmacro %}

{#- fct_attribution_credits' post-hook, inside its transaction and after the rows of the other
    models: markov's and shapley's rows, every deal's (delete_recomputed_attribution removed
    them all). A statement of its own, on the database's threads (one_thread_hook has put
    them back): at 50M touchpoints the model's statement runs on one thread and spills, and
    computing these 81M rows inside it made it 36% slower for 21% more rows. -#}
{% macro insert_data_driven_attribution() -%}
    insert into {{ this }}
    select * from {{ attribution_rows(
        ref('int_attribution_credits_data_driven'),
        ref('int_opportunities_converted'),
    ) }} as data_driven_rows
{%- endmacro %}
