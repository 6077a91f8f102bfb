-- Every scoped touch of an opportunity in each attribution window, with the milestone
-- roles it holds there. Scope: with attribution_scope 'account', the touches of every contact
-- of the opportunity's account plus those of the contacts with a role on the opportunity
-- (a role contact may have no account, or another one, today); with 'contact_role', only the
-- latter. One row per (opportunity, window, touch):
--   P: created_at - lookback <= touched_at <= created_at
--   J: created_at - lookback <= touched_at <= close (end of close_date when closed,
--      the run's as-of time when open). Touches after the close never get credit.
-- Roles: FT first touch of the window; OC last touch of P; LC the earliest lead-creation
-- touch in the window among scoped contacts who became leads by opportunity creation;
-- CW last touch of J for won opportunities. Ties go to the lower touchpoint_id.
-- Every opportunity, every build: dim_opportunities reads its marketing flags from here. The
-- credit models read only the windows of the deals a build computes
-- (int_opportunity_touches_recomputed).
{%- set by_account = attribution_scope_is_account() %}

with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

lead_creation_touches as (

    select * from {{ ref('int_lead_creation_touches_identified') }}

),

contact_roles as (

    select distinct
        opportunity_id,
        contact_id

    from {{ ref('stg_crm__opportunity_contact_roles') }}

),

bounded as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.created_at,
        opportunities.is_won,
        opportunities.is_closed,
        {{ opportunity_window_bounds('opportunities') }},
        {{ as_of_timestamp() }} as as_of_at

    from opportunities

),

account_touches as (

    select
        bounded.opportunity_id,
        touchpoints.touchpoint_id

    from bounded
    inner join touchpoints
        on bounded.account_id = touchpoints.account_id
    where {{ by_account }}

),

role_contact_touches as (

    select
        bounded.opportunity_id,
        touchpoints.touchpoint_id

    from bounded
    inner join contact_roles
        on bounded.opportunity_id = contact_roles.opportunity_id
    inner join touchpoints
        on contact_roles.contact_id = touchpoints.contact_id
    -- Under account scope the account's own contacts come in through the account: none twice.
    where not {{ by_account }} or coalesce(touchpoints.account_id <> bounded.account_id, true)

),

scoped_touches as (

    select * from account_touches
    union all
    select * from role_contact_touches

),

scoped as (

    select
        bounded.opportunity_id,
        bounded.created_at,
        bounded.is_won,
        touchpoints.touchpoint_id,
        touchpoints.contact_id,
        touchpoints.touched_at,
        touchpoints.touched_at <= bounded.created_at as is_in_p,
        case
            when bounded.is_closed then touchpoints.touched_at < bounded.close_day_end_at
            else touchpoints.touched_at <= bounded.as_of_at
        end as is_in_j

    from scoped_touches
    inner join bounded
        on scoped_touches.opportunity_id = bounded.opportunity_id
    inner join touchpoints
        on scoped_touches.touchpoint_id = touchpoints.touchpoint_id
    where touchpoints.touched_at >= bounded.window_start_at

),

windowed as (

    select
        scoped.opportunity_id,
        'P' as attribution_window,
        scoped.created_at,
        scoped.is_won,
        scoped.touchpoint_id,
        scoped.contact_id,
        scoped.touched_at

    from scoped
    where scoped.is_in_p

    union all

    select
        scoped.opportunity_id,
        'J' as attribution_window,
        scoped.created_at,
        scoped.is_won,
        scoped.touchpoint_id,
        scoped.contact_id,
        scoped.touched_at

    from scoped
    where scoped.is_in_j

),

flagged as (

    select
        windowed.*,
        case
            when
                lead_creation_touches.touchpoint_id is not null
                and lead_creation_touches.lead_created_at <= windowed.created_at
                then 1
            else 0
        end as is_lead_creation_candidate

    from windowed
    left join lead_creation_touches
        on
            windowed.contact_id = lead_creation_touches.contact_id
            and windowed.touchpoint_id = lead_creation_touches.touchpoint_id

),

-- The milestone touches of each window, picked by aggregates over (touched_at, touchpoint_id)
-- rather than ranked by window sorts: first and last touch, the earliest lead-creation
-- candidate and the last touch at or before opportunity creation.
milestones as (

    select
        opportunity_id,
        attribution_window,
        count(*) as window_touch_count,
        {{ first_by('touchpoint_id', ['touched_at', 'touchpoint_id']) }} as first_touchpoint_id,
        {{ last_by('touchpoint_id', ['touched_at', 'touchpoint_id']) }} as last_touchpoint_id,
        {{ first_by('touchpoint_id', ['touched_at', 'touchpoint_id'], 'is_lead_creation_candidate = 1') }}
            as lead_creation_touchpoint_id,
        {{ last_by('touchpoint_id', ['touched_at', 'touchpoint_id'], 'touched_at <= created_at') }}
            as opportunity_creation_touchpoint_id

    from flagged
    group by
        opportunity_id,
        attribution_window

),

roled as (

    select
        flagged.opportunity_id,
        flagged.attribution_window,
        flagged.touchpoint_id,
        flagged.contact_id,
        flagged.touched_at,
        milestones.window_touch_count,
        flagged.touchpoint_id = milestones.first_touchpoint_id as is_first_touch,
        coalesce(flagged.touchpoint_id = milestones.lead_creation_touchpoint_id, false)
            as is_lead_creation_touch,
        coalesce(flagged.touchpoint_id = milestones.opportunity_creation_touchpoint_id, false)
            as is_opportunity_creation_touch,
        flagged.is_won
        and flagged.attribution_window = 'J'
        and flagged.touchpoint_id = milestones.last_touchpoint_id as is_closed_won_touch

    from flagged
    inner join milestones
        on
            flagged.opportunity_id = milestones.opportunity_id
            and flagged.attribution_window = milestones.attribution_window

),

-- Each touch's place among the window's touches holding the same roles (in time order), by
-- which the position-based models hand out a deal's leftover cents among touches of equal
-- credit: ranked here once, not once per model over every attribution row.
positioned as (

    select
        roled.*,
        row_number() over (
            partition by
                roled.opportunity_id,
                roled.attribution_window,
                roled.is_first_touch,
                roled.is_lead_creation_touch,
                roled.is_opportunity_creation_touch,
                roled.is_closed_won_touch
            order by roled.touched_at asc, roled.touchpoint_id asc
        ) as role_group_position

    from roled

)

select * from positioned
