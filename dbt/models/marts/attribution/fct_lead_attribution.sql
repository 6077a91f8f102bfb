-- Lead-level attribution: per contact that became a lead, one row per (model, credited
-- touch) over its own touches up to lead creation, or one "(unattributed)" row per model.
-- mql_credit and sql_credit let reports count leads, MQLs and SQLs by channel and campaign.
with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}
    where lead_created_at is not null

),

credits as (

    select * from {{ ref('int_lead_attribution_credits_positioned') }}

),

models as (

    select model from {{ ref('int_lead_attribution_models_validated') }}

),

-- Every lead model credits a lead's touches exactly when it has any (credits sum to 1): these
-- pairs come from the touches, not from a second pass over every credit row.
credited_pairs as (

    select
        leads_touched.contact_id,
        models.model

    from (
        select distinct contact_id from {{ ref('int_lead_touches_windowed') }}
    ) as leads_touched
    cross join models

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

-- Every credit, plus the "(unattributed)" row of a lead a model credited no touch of.
all_credits as (

    select * from {{
        with_unattributed(
            'credits', 'contacts', 'models', 'contact_id', ['is_first_touch', 'is_lead_creation_touch'],
            credited='credited_pairs',
        )
    }} as completed

),

final as (

    select
        {{ dbt.concat([
            'all_credits.contact_id', "'|'", 'all_credits.model', "'|'",
            "coalesce(all_credits.touchpoint_id, '(unattributed)')"
        ]) }} as lead_attribution_id,
        all_credits.contact_id,
        contacts.account_id,
        all_credits.model,
        all_credits.touchpoint_id,
        touchpoints.touched_at,
        touchpoints.touch_type,
        coalesce(touchpoints.channel, '(unattributed)') as channel,
        touchpoints.campaign_id,
        all_credits.is_first_touch,
        all_credits.is_lead_creation_touch,
        cast(all_credits.credit as {{ credit_type() }}) as credit,
        contacts.lead_created_at,
        contacts.mql_at,
        contacts.sql_at,
        contacts.mql_at is not null as is_mql,
        contacts.sql_at is not null as is_sql,
        cast(case when contacts.mql_at is not null then all_credits.credit else 0 end as {{ credit_type() }})
            as mql_credit,
        cast(case when contacts.sql_at is not null then all_credits.credit else 0 end as {{ credit_type() }})
            as sql_credit

    from all_credits
    inner join contacts
        on all_credits.contact_id = contacts.contact_id
    left join touchpoints
        on all_credits.touchpoint_id = touchpoints.touchpoint_id

)

select * from final
