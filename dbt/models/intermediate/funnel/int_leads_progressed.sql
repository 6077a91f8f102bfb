-- One row per contact that became a lead by the as-of time, with how far it got: MQL, SQL, the first
-- opportunity it converted to and whether that was won, plus the segment, region and first-touch channel
-- the funnel reports slice by. Stage dates after the as-of time do not count (they are NULL here).
with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

account_versions as (

    select * from {{ ref('stg_crm__account_versions') }}

),

contact_roles as (

    select * from {{ ref('stg_crm__opportunity_contact_roles') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

lead_credits as (

    select * from {{ ref('int_lead_attribution_credits_positioned') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

leads as (

    select
        contact_id,
        account_id,
        lead_created_at,
        case when mql_at <= {{ as_of_timestamp() }} then mql_at end as mql_at,
        case when sql_at <= {{ as_of_timestamp() }} then sql_at end as sql_at

    from contacts
    where lead_created_at <= {{ as_of_timestamp() }}

),

-- Same rule as int_opportunities_converted: the latest version valid at lead creation, else the
-- earliest version (an account first exported after the lead was created).
account_as_of_lead_creation as (

    select
        leads.contact_id,
        account_versions.segment,
        account_versions.region,
        {{ account_version_rank(['leads.contact_id'], 'leads.lead_created_at') }} as version_rank

    from leads
    inner join account_versions
        on leads.account_id = account_versions.account_id

),

-- A lead converts when it holds a role on an opportunity created at or after its lead creation
-- (and by the as-of time); an opportunity created before the lead does not count.
conversions as (

    select
        leads.contact_id,
        opportunities.opportunity_id,
        opportunities.created_at as opportunity_created_at,
        opportunities.is_won,
        opportunities.close_date,
        row_number() over (
            partition by leads.contact_id
            order by opportunities.created_at asc, opportunities.opportunity_id asc
        ) as conversion_rank

    from leads
    inner join contact_roles
        on leads.contact_id = contact_roles.contact_id
    inner join opportunities
        on
            contact_roles.opportunity_id = opportunities.opportunity_id
            and leads.lead_created_at <= opportunities.created_at
            and opportunities.created_at <= {{ as_of_timestamp() }}

),

-- The channel of the touch the first_touch lead model credits (the channel of the lead's
-- first_touch row in fct_lead_attribution); a lead it credits no touch of has none here.
first_touch_channels as (

    select
        lead_credits.contact_id,
        max(touchpoints.channel) as channel

    from lead_credits
    inner join touchpoints
        on lead_credits.touchpoint_id = touchpoints.touchpoint_id
    where lead_credits.model = 'first_touch'
    group by lead_credits.contact_id

),

final as (

    select
        leads.contact_id,
        leads.account_id,
        leads.lead_created_at,
        leads.mql_at,
        leads.sql_at,
        conversions.opportunity_id,
        conversions.opportunity_created_at,
        case
            when
                conversions.is_won
                and cast(conversions.close_date as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }}
                then cast(conversions.close_date as {{ dbt.type_timestamp() }})
        end as won_at,
        -- Contacts without an account (no version joins) fall in '(none)'.
        coalesce(account_as_of_lead_creation.segment, '(none)') as segment,
        coalesce(account_as_of_lead_creation.region, '(none)') as region,
        coalesce(first_touch_channels.channel, '(unattributed)') as first_touch_channel

    from leads
    left join account_as_of_lead_creation
        on
            leads.contact_id = account_as_of_lead_creation.contact_id
            and account_as_of_lead_creation.version_rank = 1
    left join conversions
        on
            leads.contact_id = conversions.contact_id
            and conversions.conversion_rank = 1
    left join first_touch_channels
        on leads.contact_id = first_touch_channels.contact_id

)

select * from final
