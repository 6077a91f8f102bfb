-- The touches whose attribution inputs differ from the last build's (macros/
-- incremental_attribution.sql): added, removed or changed (fingerprint), each with its
-- previous and its current version, plus the touches the as-of time moved past (they enter
-- or leave open opportunities' full journeys). Empty on a full build.
-- depends_on: {{ ref('int_as_of_resolved') }}
-- depends_on: {{ ref('int_attribution_models_validated') }}
{%- set usable = attribution_state_usable() %}
with

current_touches as (

    select * from {{ ref('int_touchpoints_fingerprinted') }}

),

-- The last build's state; none on a full build (every opportunity is computed anyway).
previous_touches as (

    select * from {{ attribution_previous_state('touchpoints', usable, like='current_touches') }} as previous_state

),

previous_build as (

    select * from {{ attribution_previous_state('build', usable) }} as previous_state

),

differing as (

    select
        current_touches.touchpoint_id as current_touchpoint_id,
        current_touches.account_id as current_account_id,
        current_touches.contact_id as current_contact_id,
        current_touches.touched_at as current_touched_at,
        current_touches.touch_fingerprint as current_fingerprint,
        previous_touches.touchpoint_id as previous_touchpoint_id,
        previous_touches.account_id as previous_account_id,
        previous_touches.contact_id as previous_contact_id,
        previous_touches.touched_at as previous_touched_at,
        previous_touches.touch_fingerprint as previous_fingerprint

    from current_touches
    full outer join previous_touches
        on current_touches.touchpoint_id = previous_touches.touchpoint_id
    where
        {{ 'true' if usable else 'false' }}
        and current_touches.touch_fingerprint is distinct from previous_touches.touch_fingerprint

),

as_of_moved as (

    select
        least(as_of_at, {{ as_of_timestamp() }}) as moved_from,
        greatest(as_of_at, {{ as_of_timestamp() }}) as moved_to

    from previous_build

),

final as (

    select
        previous_touchpoint_id as touchpoint_id,
        'previous' as version,
        previous_account_id as account_id,
        previous_contact_id as contact_id,
        previous_touched_at as touched_at,
        previous_fingerprint as touch_fingerprint

    from differing
    where previous_touchpoint_id is not null

    union

    select
        current_touchpoint_id as touchpoint_id,
        'current' as version,
        current_account_id as account_id,
        current_contact_id as contact_id,
        current_touched_at as touched_at,
        current_fingerprint as touch_fingerprint

    from differing
    where current_touchpoint_id is not null

    union

    select
        current_touches.touchpoint_id,
        'current' as version,
        current_touches.account_id,
        current_touches.contact_id,
        current_touches.touched_at,
        current_touches.touch_fingerprint

    from current_touches
    inner join as_of_moved
        on
            current_touches.touched_at > as_of_moved.moved_from
            and current_touches.touched_at <= as_of_moved.moved_to

)

select * from final
