-- The campaign catalogue. utm_campaign is lower-cased so that sessions and spend match it.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

    {{ latest_record(source('campaign', 'campaigns'), 'campaign_id', order_by_updated_at=false) }}

),

renamed as (

    select
        campaign_id,
        campaign_name,
        campaign_type,
        lower(trim(utm_campaign)) as utm_campaign,
        nullif(trim(channel), '') as channel_override,
        start_date,
        end_date,
        budgeted_cost,
        actual_cost,
        upper(trim(currency)) as currency

    from source

)

select * from renamed
