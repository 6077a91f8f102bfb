-- The fitted channel weights of the data-driven models, one row per (model, channel).
with

source as (

    select * from {{ source('data_driven', 'channel_weights') }}

),

renamed as (

    select
        {{ dbt.concat(['model', "'|'", 'channel']) }} as channel_weight_id,
        model,
        channel,
        effect,
        effect_low,
        effect_high,
        weight,
        weight_low,
        weight_high,
        fitting_journeys,
        won_journeys,
        attributed_conversions,
        attributed_revenue_usd

    from source

)

select * from renamed
