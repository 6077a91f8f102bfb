-- The data-driven fit per model and channel, with what its interval says: a channel whose
-- effect interval (90%, from the bootstrap) includes 0 cannot be told from no effect.
with

channel_weights as (

    select * from {{ ref('stg_data_driven__channel_weights') }}

),

assessed as (

    select
        channel_weights.*,
        coalesce(
            channel_weights.effect_low <= 0 and channel_weights.effect_high >= 0, true
        ) as is_indistinguishable_from_no_effect

    from channel_weights

)

select * from assessed
