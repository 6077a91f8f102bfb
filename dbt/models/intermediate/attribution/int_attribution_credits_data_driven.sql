-- markov and shapley: each distinct channel of a deal's full-journey window (J) gets its share
-- of the deal, the share the fit gave that channel in the deal's channel set
-- (stg_data_driven__channel_set_shares), split equally among the channel's touches. A set
-- with no shares under a model (no channel of it with a positive share, or a set the fit was
-- not asked about) is credited linearly: 1/n per touch. Rounded to DECIMAL credits summing to
-- exactly 1 and money by largest remainder, as time_decay (macros/exact_decimals.sql).
--
-- Every deal, every build: the weights are fitted on all closed deals, so one new deal moves
-- every deal's credits (fct_attribution_credits rewrites these two models' rows in full, and
-- its other models' incrementally). The deals without a touch in J get their unattributed row
-- here (macros/with_unattributed.sql), for the same reason.
-- A view: fct_attribution_credits is its only reader.
-- Each row carries its touch's details (touch_type, channel, campaign_id, is_marketing; NULL on
-- the unattributed rows), read with the channel: fct_attribution_credits then writes these rows
-- without joining the touchpoints a second time.
{{ config(materialized='view') }}
{%- set touch_columns = [
    ('touch_type', dbt.type_string()),
    ('channel', dbt.type_string()),
    ('campaign_id', dbt.type_string()),
    ('is_marketing', dbt.type_boolean()),
] %}

with

journey_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}
    where attribution_window = 'J'

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

journeys as (

    select * from {{ ref('int_opportunity_journeys_sequenced') }}

),

channel_set_shares as (

    select * from {{ ref('stg_data_driven__channel_set_shares') }}

),

models as (

    select model from {{ ref('int_attribution_models_unioned') }}
    where model_kind = 'data_driven'

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

-- How many touches each channel has on the deal: its share is split equally among them.
journey_channels as (

    select * from {{ ref('int_journey_channels_counted') }}

),

fitted_sets as (

    select distinct
        model,
        channel_set

    from channel_set_shares

),

channeled as (

    select
        journey_touches.opportunity_id,
        journey_touches.touchpoint_id,
        journey_touches.touched_at,
        journey_touches.window_touch_count,
        journey_touches.is_first_touch,
        journey_touches.is_lead_creation_touch,
        journey_touches.is_opportunity_creation_touch,
        journey_touches.is_closed_won_touch,
        touchpoints.touch_type,
        touchpoints.channel,
        touchpoints.campaign_id,
        touchpoints.is_marketing

    from journey_touches
    inner join touchpoints
        on journey_touches.touchpoint_id = touchpoints.touchpoint_id

),

shared as (

    select
        channeled.opportunity_id,
        models.model,
        channeled.touchpoint_id,
        channeled.touched_at,
        channeled.is_first_touch,
        channeled.is_lead_creation_touch,
        channeled.is_opportunity_creation_touch,
        channeled.is_closed_won_touch,
        channeled.touch_type,
        channeled.channel,
        channeled.campaign_id,
        channeled.is_marketing,
        {{ usd_to_cents('opportunities.amount_usd') }} as amount_cents,
        case
            when fitted_sets.channel_set is null
                then cast(1 as double) / cast(channeled.window_touch_count as double)
            else coalesce(channel_set_shares.share, 0) / cast(journey_channels.channel_touches as double)
        end as share

    from channeled
    inner join journey_channels
        on
            channeled.opportunity_id = journey_channels.opportunity_id
            and channeled.channel = journey_channels.channel
    inner join journeys
        on channeled.opportunity_id = journeys.opportunity_id
    inner join opportunities
        on channeled.opportunity_id = opportunities.opportunity_id
    cross join models
    left join fitted_sets
        on
            models.model = fitted_sets.model
            and journeys.channel_set = fitted_sets.channel_set
    left join channel_set_shares
        on
            models.model = channel_set_shares.model
            and journeys.channel_set = channel_set_shares.channel_set
            and channeled.channel = channel_set_shares.channel

),

-- A touch of a channel the model gives nothing has no credit row (as under every model): left
-- out before the rounding, which ranks and sums each deal's credits, as it would only carry
-- zeros (40% of the rows at 10M touchpoints: shapley floors many channels at 0). Every deal
-- keeps a positive share: a fitted set's shares sum to 1, any other set is linear.
positive_shares as (

    select * from shared
    where share > 0

),

credited as (

    select * from {{ credits_summing_to_one('positive_shares', 'opportunity_id, model') }} as data_driven_credited

),

-- Deals with a touch in J, per model: the others get the unattributed row.
credited_pairs as (

    select
        journeys.opportunity_id,
        models.model

    from journeys
    cross join models
    where journeys.channel_set is not null

),

-- The cents as under time_decay (macros/exact_decimals.sql).
priced as (

    select * from {{ touch_credits_in_cents(
        'credited', 'opportunity_id, model', carry=touch_columns | map(attribute=0) | list,
    ) }} as priced

),

final as (

    select * from {{ with_unattributed('priced', 'journeys', 'models', 'opportunity_id', [
        'is_first_touch', 'is_lead_creation_touch', 'is_opportunity_creation_touch', 'is_closed_won_touch',
    ], null_columns=[('pipeline_cents', cents_type())] + touch_columns, credited='credited_pairs') }} as completed

)

select * from final
