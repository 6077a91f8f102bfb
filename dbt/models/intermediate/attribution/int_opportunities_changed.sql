-- The opportunities whose attribution this build computes (macros/incremental_attribution.sql),
-- one row each with the first reason found: every opportunity on a full build, or when the
-- models, vars or SQL of the attribution chain changed; otherwise those added, removed or
-- changed (their own row or contact roles) and those with a changed touch (its previous or
-- current version) of their scope inside their windows. The opportunities not listed keep the
-- rows stored for them: nothing they read differs from what those rows were computed from.
-- depends_on: {{ ref('int_as_of_resolved') }}
-- depends_on: {{ ref('int_attribution_models_validated') }}
{%- set usable = attribution_state_usable() %}
{%- set by_account = attribution_scope_is_account() %}
with

fingerprinted as (

    select * from {{ ref('int_opportunities_fingerprinted') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

contact_roles as (

    select distinct
        opportunity_id,
        contact_id

    from {{ ref('stg_crm__opportunity_contact_roles') }}

),

changed_touches as (

    select * from {{ ref('int_touchpoints_changed') }}

),

-- The last build's state; none on a full build, which computes every opportunity.
previous_opportunities as (

    select * from {{ attribution_previous_state('opportunities', usable, like='fingerprinted') }} as previous_state

),

previous_build as (

    select * from {{ attribution_previous_state('build', usable) }} as previous_state

),

-- The last build computed with the same models, vars and SQL, or everything is recomputed.
same_chain as (

    select count(*) as builds

    from previous_build
    where
        code_fingerprint = '{{ attribution_code_fingerprint() }}'
        and models_fingerprint = {{ attribution_models_fingerprint() }}

),

everything as (

    select
        all_opportunities.opportunity_id,
        '{{ 'chain_changed' if usable else 'full_build' }}' as change_reason

    from (
        select opportunity_id from fingerprinted
        union
        select opportunity_id from previous_opportunities
    ) as all_opportunities
    cross join same_chain
    where same_chain.builds = 0

),

opportunity_changes as (

    select
        coalesce(fingerprinted.opportunity_id, previous_opportunities.opportunity_id)
            as opportunity_id,
        case
            when previous_opportunities.opportunity_id is null then 'opportunity_added'
            when fingerprinted.opportunity_id is null then 'opportunity_removed'
            else 'opportunity_changed'
        end as change_reason

    from fingerprinted
    full outer join previous_opportunities
        on fingerprinted.opportunity_id = previous_opportunities.opportunity_id
    where
        fingerprinted.opportunity_fingerprint
        is distinct from previous_opportunities.opportunity_fingerprint

),

-- The windows as int_opportunity_touches_windowed draws them, widened to hold both P and J
-- whatever the dates (a superset only recomputes more).
bounded as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.created_at,
        opportunities.is_closed,
        {{ opportunity_window_bounds('opportunities') }}

    from opportunities

),

scoped_changes as (

    select
        bounded.*,
        changed_touches.touched_at

    from bounded
    inner join changed_touches
        on bounded.account_id = changed_touches.account_id
    where {{ by_account }}

    union all

    select
        bounded.*,
        changed_touches.touched_at

    from bounded
    inner join contact_roles
        on bounded.opportunity_id = contact_roles.opportunity_id
    inner join changed_touches
        on contact_roles.contact_id = changed_touches.contact_id

),

touch_changes as (

    select distinct
        opportunity_id,
        'touches_changed' as change_reason

    from scoped_changes
    where
        touched_at >= window_start_at
        and (
            not is_closed
            or touched_at < close_day_end_at
            or touched_at <= created_at
        )

),

reasons as (

    select * from everything
    union all
    select * from opportunity_changes
    union all
    select * from touch_changes

),

final as (

    select
        opportunity_id,
        min(change_reason) as change_reason

    from reasons
    group by opportunity_id

)

select * from final
