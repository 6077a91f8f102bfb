-- Daily ad spend per platform, in its own currency.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

    {{ latest_record(
        source('campaign', 'ad_spend'),
        'spend_date, platform, campaign_id, utm_campaign',
        order_by_updated_at=false
    ) }}

),

renamed as (

    select
        {{ dbt.concat([
            'cast(spend_date as ' ~ dbt.type_string() ~ ')', "'|'", 'platform', "'|'",
            "coalesce(campaign_id, '')", "'|'", "coalesce(lower(trim(utm_campaign)), '')"
        ]) }} as ad_spend_id,
        spend_date,
        lower(trim(platform)) as platform,
        campaign_id,
        lower(trim(utm_campaign)) as utm_campaign,
        impressions,
        clicks,
        spend,
        upper(trim(currency)) as currency

    from source

)

select * from renamed
