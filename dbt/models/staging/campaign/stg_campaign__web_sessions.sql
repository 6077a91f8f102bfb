-- Web sessions with UTM tags and referrer lower-cased for channel rules and campaign matching.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

    {{ latest_record(source('campaign', 'web_sessions'), 'session_id', order_by_updated_at=false) }}

),

renamed as (

    select
        session_id,
        anonymous_id,
        started_at,
        landing_page,
        nullif(lower(trim(referrer)), '') as referrer,
        nullif(lower(trim(utm_source)), '') as utm_source,
        nullif(lower(trim(utm_medium)), '') as utm_medium,
        nullif(lower(trim(utm_campaign)), '') as utm_campaign,
        utm_content,
        utm_term

    from source

)

select * from renamed
