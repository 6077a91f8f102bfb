-- Each channel's share of a journey with exactly this channel set, per data-driven model. A set
-- with no row under a model has no channel with a positive share there: linear.
with

source as (

    select * from {{ source('data_driven', 'channel_set_shares') }}

),

renamed as (

    select
        {{ dbt.concat(['model', "'|'", 'channel_set', "'|'", 'channel']) }} as channel_set_share_id,
        model,
        channel_set,
        channel,
        share

    from source

)

select * from renamed
