-- Every marketing interaction of an identified contact, from its three sources, with the
-- facts the channel rules read. A form fill carries the UTM tags and referrer of the
-- visitor's latest session that started at or before it (the visit it happened in).
with

web_sessions as (

    select * from {{ ref('stg_campaign__web_sessions') }}

),

stitched_visitors as (

    select * from {{ ref('int_anonymous_ids_stitched') }}

),

identified_submissions as (

    select * from {{ ref('int_form_submissions_identified') }}

),

campaign_members as (

    select * from {{ ref('stg_campaign__campaign_members') }}

),

campaigns as (

    select * from {{ ref('stg_campaign__campaigns') }}

),

campaigns_by_utm as (

    select
        utm_campaign,
        min(campaign_id) as campaign_id

    from campaigns
    where utm_campaign is not null
    group by utm_campaign

),

session_touches as (

    select
        {{ dbt.concat(["'ws-'", 'web_sessions.session_id']) }} as touchpoint_id,
        'web_session' as touch_type,
        web_sessions.session_id as source_record_id,
        stitched_visitors.contact_id,
        web_sessions.started_at as touched_at,
        campaigns_by_utm.campaign_id,
        web_sessions.utm_source,
        web_sessions.utm_medium,
        web_sessions.utm_campaign,
        web_sessions.referrer

    from web_sessions
    inner join stitched_visitors
        on web_sessions.anonymous_id = stitched_visitors.anonymous_id
    left join campaigns_by_utm
        on web_sessions.utm_campaign = campaigns_by_utm.utm_campaign

),

form_fill_visits as (

    select
        identified_submissions.submission_id,
        web_sessions.utm_source,
        web_sessions.utm_medium,
        web_sessions.utm_campaign,
        web_sessions.referrer,
        row_number() over (
            partition by identified_submissions.submission_id
            order by web_sessions.started_at desc, web_sessions.session_id desc
        ) as visit_rank

    from identified_submissions
    inner join web_sessions
        on
            identified_submissions.anonymous_id = web_sessions.anonymous_id
            and identified_submissions.submitted_at >= web_sessions.started_at

),

form_fill_touches as (

    select
        {{ dbt.concat(["'ff-'", 'identified_submissions.submission_id']) }} as touchpoint_id,
        'form_fill' as touch_type,
        identified_submissions.submission_id as source_record_id,
        identified_submissions.contact_id,
        identified_submissions.submitted_at as touched_at,
        campaigns_by_utm.campaign_id,
        form_fill_visits.utm_source,
        form_fill_visits.utm_medium,
        form_fill_visits.utm_campaign,
        form_fill_visits.referrer

    from identified_submissions
    left join form_fill_visits
        on
            identified_submissions.submission_id = form_fill_visits.submission_id
            and form_fill_visits.visit_rank = 1
    left join campaigns_by_utm
        on form_fill_visits.utm_campaign = campaigns_by_utm.utm_campaign

),

campaign_response_touches as (

    select
        {{ dbt.concat(["'cr-'", 'campaign_member_id']) }} as touchpoint_id,
        'campaign_response' as touch_type,
        campaign_member_id as source_record_id,
        contact_id,
        responded_at as touched_at,
        campaign_id,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        cast(null as {{ dbt.type_string() }}) as referrer

    from campaign_members
    where has_responded

),

unioned as (

    select * from session_touches
    union all
    select * from form_fill_touches
    union all
    select * from campaign_response_touches

),

with_campaign as (

    select
        unioned.*,
        campaigns.campaign_type,
        campaigns.channel_override,
        {{ dbt.concat([
            'unioned.touch_type',
            "'|'", "coalesce(lower(campaigns.campaign_type), '')",
            "'|'", "coalesce(unioned.utm_medium, '')",
            "'|'", "coalesce(unioned.utm_source, '')",
            "'|'", "coalesce(unioned.referrer, '')",
            "'|'", "case when unioned.utm_campaign is null and unioned.campaign_id is null then '' else 'c' end",
        ]) }} as channel_key

    from unioned
    left join campaigns
        on unioned.campaign_id = campaigns.campaign_id

)

select * from with_campaign
