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

-- How many touches the deal's J window holds: a set with no shares is linear, 1/n per touch.
channel_totals as (

    select
        opportunity_id,
        channel,
        channel_touches,
        first_touched_at,
        first_touchpoint_id,
        sum(channel_touches) over (partition by opportunity_id) as journey_touches

    from journey_channels

),

-- Each (deal, model, channel): the share of each one of the channel's touches. Every touch of a
-- channel gets the same credit, so the rounding to credits summing to exactly 1 works on these
-- rows, each standing for its channel's touches, with the channel's earliest touch in their
-- place, as the position-based models' groups do: the largest rounded credit, ties to the
-- earliest touch, is then the same anchor as among the touches. At 10M touchpoints 4.7M rows
-- instead of 16M, and the touches no longer sorted for it.
channel_shares as (

    select
        channel_totals.opportunity_id,
        models.model,
        channel_totals.channel,
        channel_totals.channel_touches,
        channel_totals.first_touched_at as touched_at,
        channel_totals.first_touchpoint_id as touchpoint_id,
        case
            when fitted_sets.channel_set is null
                then cast(1 as double) / cast(channel_totals.journey_touches as double)
            else coalesce(channel_set_shares.share, 0) / cast(channel_totals.channel_touches as double)
        end as share

    from channel_totals
    inner join journeys
        on channel_totals.opportunity_id = journeys.opportunity_id
    cross join models
    left join fitted_sets
        on
            models.model = fitted_sets.model
            and journeys.channel_set = fitted_sets.channel_set
    left join channel_set_shares
        on
            models.model = channel_set_shares.model
            and journeys.channel_set = channel_set_shares.channel_set
            and channel_totals.channel = channel_set_shares.channel

),

-- A channel the model gives nothing has no credit row (as under every model): left out before
-- the rounding, as it would only carry zeros (shapley floors many channels at 0). Every deal
-- keeps a positive share: a fitted set's shares sum to 1, any other set is linear.
positive_shares as (

    select * from channel_shares
    where share > 0

),

channels_credited as (

    select * from {{ credits_summing_to_one(
        'positive_shares', 'opportunity_id, model', touch_count='channel_touches',
    ) }} as data_driven_credited

),

channeled as (

    select
        journey_touches.opportunity_id,
        journey_touches.touchpoint_id,
        journey_touches.touched_at,
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

-- Back to the touches: each one its channel's rounded credit, the anchor (its channel's
-- earliest touch) the credit that makes the deal's sum exactly 1.
credited as (

    select
        channeled.opportunity_id,
        channels_credited.model,
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
        channels_credited.is_residue_anchor and channeled.touchpoint_id = channels_credited.touchpoint_id
            as is_residue_anchor,
        case
            when channels_credited.is_residue_anchor and channeled.touchpoint_id = channels_credited.touchpoint_id
                then channels_credited.credit
            else channels_credited.rounded_credit
        end as credit

    from channeled
    inner join channels_credited
        on
            channeled.opportunity_id = channels_credited.opportunity_id
            and channeled.channel = channels_credited.channel
    inner join opportunities
        on channeled.opportunity_id = opportunities.opportunity_id

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
