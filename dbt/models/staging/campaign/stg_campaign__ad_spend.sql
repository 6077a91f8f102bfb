-- Daily ad spend per platform, in its own currency.
with

source as (

    select * from {{ source('campaign', 'ad_spend') }}

),

renamed as (

    select
        {{ dbt.concat([
            'cast(spend_date as ' ~ dbt.type_string() ~ ')', "'|'", 'platform', "'|'",
            "coalesce(campaign_id, '')", "'|'", "coalesce(lower(trim(utm_campaign)), '')",
            "'|'", 'cast(_source_line as ' ~ dbt.type_string() ~ ')', "'|'", '_source_file'
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
