-- What the data-driven models learned from our own deals, per model and channel: the effect
-- (markov: the channel's removal effect; shapley: its logistic coefficient), the weight
-- (markov: the removal effect's share; shapley: the channel's share of the won revenue the
-- model credits), each with its 90% interval from resampling the fitting journeys, and the
-- conversions and revenue the channel is credited with at the channel level (total x weight,
-- as peer tools report it). A channel whose effect interval includes 0 is marked: the data
-- cannot tell its effect from none.
with

channel_weights as (

    select * from {{ ref('int_data_driven_channel_weights_assessed') }}

),

final as (

    select
        channel_weight_id as report_row_id,
        model,
        channel,
        effect,
        effect_low,
        effect_high,
        weight,
        weight_low,
        weight_high,
        case
            when is_indistinguishable_from_no_effect then 'not distinguishable from no effect'
            else 'distinguishable from no effect'
        end as evidence,
        fitting_journeys,
        won_journeys,
        attributed_conversions,
        attributed_revenue_usd

    from channel_weights

)

select * from final
