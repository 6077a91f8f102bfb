{#- The one normalisation rule of every position-based model (opportunities and leads).

    Returns a relation (a parenthesised subquery the calling model names itself, e.g.
    `credited as (select * from {{ position_credits(...) }} as position_credited)`) with one
    row per (partition, model, touch) whose credit is above 0: the `partition_by` and
    `match_on` columns, model, touchpoint_id, touched_at, the role flags (NULL read as false),
    credit and is_residue_anchor; without `amounts` also share and rounded_credit, with it
    pipeline_cents.

    `touches` names a relation with one row per (partition, match_on, touch): the partition and
    match_on columns, touchpoint_id, touched_at, window_touch_count and the role flags; with
    `amounts`, also role_group_position (the touch's place, 1 = earliest by touched_at then
    touchpoint_id, among the touches of its window holding exactly its flags).
    `amounts`, when given, names a relation with the partition column and amount_usd: each row
    then gets its money in cents by largest remainder (largest_remainder_classes in
    macros/exact_decimals.sql). A group of touches with the same flags is two classes of equal
    credit, its anchor (the group's first touch) and the rest; ties between classes of equal
    remainder go to touches holding a role first, then to the earliest; inside a class by
    place in the group. So no attribution row is ever sorted: the classes are a few per window
    and model, and each touch finds its class by (group, place).
    `models` names one with a row per model: model, the match_on columns (a model applies to
    the touches with its values; none: to every touch) and the weight columns. `roles` pairs
    each role flag with its weight column. A model's roles are the ones it weights (> 0). For
    a touch t:
      raw(t)    = sum of the weights of the model's roles t holds, plus middle / k when t
                  holds none of them (k = number of such role-less touches in the window);
      share(t)  = raw(t) / sum of raw over the window;
      credit(t) = share(t) rounded to 12 places, the residue on one anchor touch (the largest
                  rounded credit, ties to the earliest touch by touched_at, then
                  touchpoint_id), so credits sum to exactly 1 (credits_summing_to_one, on the
                  groups below).
    Missing roles and an empty middle are so redistributed pro rata.
    If every raw weight of a window is 0 (a model weighting only roles no touch of it holds),
    its touches share the credit equally.

    Why it is computed on groups: a touch's credit depends only on its window's role counts
    and on which role flags it holds, so every touch of a window with the same flags gets the
    same credit. The rule is worked out once per (window, flags, model), a few rows per
    window, and joined back to the touches, instead of three window sorts over every
    (touch, model) row (3.7 s of the 4.7 s this model took at 1M touchpoints). The window's
    sum of raw weights is taken as sum(role weights) + middle when it has a middle: the
    middle touches' middle / k add up to middle, exactly rather than to within a bit. -#}
{% macro position_credits(touches, models, partition_by, roles, match_on=[], amounts=none) -%}
{%- set keys = [partition_by] + match_on -%}
{%- set flags = [] -%}
{%- for flag, weight in roles %}{% do flags.append(flag) %}{% endfor -%}
{%- set flag_groups -%}
(
    select
        {% for key in keys -%}
            {{ key }},
        {% endfor -%}
        {% for flag in flags -%}
            coalesce({{ flag }}, false) as {{ flag }},
        {% endfor -%}
        count(*) as group_touch_count,
        max(window_touch_count) as window_touch_count,
        -- The group's earliest touch, which stands for it when the residue anchor is chosen.
        min(touched_at) as touched_at,
        {{ first_by('touchpoint_id', ['touched_at', 'touchpoint_id']) }} as touchpoint_id

    from {{ touches }} as touches
    group by
        {% for key in keys -%}
            {{ key }},
        {% endfor -%}
        {% for flag in flags -%}
            coalesce({{ flag }}, false){% if not loop.last %},{% endif %}
        {% endfor %}
)
{%- endset -%}
{%- set group_weighted -%}
(
    select
        flag_groups.*,
        models.model,
        models.middle_weight,
        {% for flag, weight in roles -%}
            case when flag_groups.{{ flag }} then models.{{ weight }} else 0 end
            {%- if not loop.last %} + {% endif %}
        {% endfor -%} as role_weight,
        {% for flag, weight in roles -%}
            (flag_groups.{{ flag }} and models.{{ weight }} > 0)
            {%- if not loop.last %} or {% endif %}
        {% endfor -%} as holds_role

    from {{ flag_groups }} as flag_groups
    {% if match_on -%}
    inner join {{ models }} as models
        on
            {% for key in match_on -%}
                flag_groups.{{ key }} = models.{{ key }}{% if not loop.last %} and{% endif %}
            {% endfor %}
    {%- else -%}
    cross join {{ models }} as models
    {%- endif %}
)
{%- endset -%}
{%- set window_totals -%}
(
    select
        group_weighted.*,
        sum(case when holds_role then 0 else group_touch_count end) over (
            partition by {{ partition_by }}, model
        ) as middle_touch_count,
        {{ exact_window_sum('role_weight * group_touch_count', partition_by ~ ', model') }}
            as window_role_weight

    from {{ group_weighted }} as group_weighted
)
{%- endset -%}
{%- set group_shares -%}
(
    select
        window_totals.*,
        case
            when holds_role then role_weight
            else role_weight + middle_weight / middle_touch_count
        end as raw_weight,
        window_role_weight
        + case when middle_touch_count > 0 then middle_weight else 0 end as window_raw_weight

    from {{ window_totals }} as window_totals
)
{%- endset -%}
{%- set shared -%}
(
    select
        group_shares.*,
        case
            when window_raw_weight > 0 then raw_weight / window_raw_weight
            else 1.0 / window_touch_count
        end as share

    from {{ group_shares }} as group_shares
)
{%- endset -%}
{%- set group_credits -%}
{{ credits_summing_to_one(shared, partition_by ~ ', model', touch_count='group_touch_count') }}
{%- endset -%}
{%- if amounts is not none -%}
{#- Each group is two classes of equal credit for the cents: its anchor (the group's earliest
    touch, position 1) when it holds the residue, and the rest. Ties between classes: touches
    holding a role first, then the earliest. -#}
{%- set cent_classes -%}
(
    select
        {% for column in keys + flags -%}
            group_credits.{{ column }},
        {% endfor -%}
        group_credits.model,
        group_credits.share,
        group_credits.rounded_credit,
        group_credits.is_residue_anchor,
        group_credits.touched_at,
        group_credits.touchpoint_id,
        {% for flag in flags -%}
            group_credits.{{ flag }}{% if not loop.last %} or {% endif %}
        {%- endfor %} as has_role,
        class_parts.is_anchor_class,
        case
            when class_parts.is_anchor_class then 1
            when group_credits.is_residue_anchor then group_credits.group_touch_count - 1
            else group_credits.group_touch_count
        end as class_size,
        case
            when class_parts.is_anchor_class or not group_credits.is_residue_anchor then 1
            else 2
        end as first_position,
        case
            when class_parts.is_anchor_class then group_credits.credit
            else group_credits.rounded_credit
        end as credit,
        {{ usd_to_cents('amounts.amount_usd') }} as amount_cents

    from {{ group_credits }} as group_credits
    inner join (select true as is_anchor_class union all select false) as class_parts
        on group_credits.is_residue_anchor or not class_parts.is_anchor_class
    left join {{ amounts }} as amounts
        on group_credits.{{ partition_by }} = amounts.{{ partition_by }}
    where
        group_credits.rounded_credit > 0
        and (
            class_parts.is_anchor_class
            or not group_credits.is_residue_anchor
            or group_credits.group_touch_count > 1
        )
)
{%- endset -%}
{%- set priced_classes -%}
(
    select
        {% for column in keys + flags -%}
            {{ column }},
        {% endfor -%}
        model,
        is_anchor_class,
        credit,
        first_position,
        first_position + class_size - 1 as last_position,
        cast(floor_cents as bigint) as floor_cents,
        -- The cut-off in the group's positions rather than the class's.
        cast(cent_cutoff + first_position - 1 as bigint) as last_cent_position

    from {{ largest_remainder_classes(
        cent_classes,
        partition_by ~ ', model',
        'has_role desc, touched_at asc, touchpoint_id asc, is_anchor_class desc',
    ) }} as apportioned_classes
)
{%- endset -%}
{#- Each touch meets its class by its place in its group: kept narrow (no touch ids), as the
    engine holds every class in memory while the touches stream past. -#}
(
    select
        {{ _credited_touch_columns(keys, flags, 'classes') }}
        classes.is_anchor_class as is_residue_anchor,
        classes.credit,
        {{ apportioned_cents(
            'classes.floor_cents', 'touches.role_group_position', 'classes.last_cent_position',
        ) }} as pipeline_cents

    from {{ touches }} as touches
    inner join {{ priced_classes }} as classes
        on
            {% for key in keys -%}
                touches.{{ key }} = classes.{{ key }} and
            {% endfor -%}
            {% for flag in flags -%}
                coalesce(touches.{{ flag }}, false) = classes.{{ flag }} and
            {% endfor -%}
            touches.role_group_position between classes.first_position and classes.last_position
)
{%- else -%}
(
    select
        {{ _credited_touch_columns(keys, flags, 'group_credits') }}
        group_credits.share,
        group_credits.rounded_credit,
        coalesce(
            group_credits.is_residue_anchor and touches.touchpoint_id = group_credits.touchpoint_id,
            false
        ) as is_residue_anchor,
        case
            when group_credits.is_residue_anchor and touches.touchpoint_id = group_credits.touchpoint_id
                then group_credits.credit
            else group_credits.rounded_credit
        end as credit

    from {{ touches }} as touches
    inner join {{ group_credits }} as group_credits
        on
            {% for key in keys -%}
                touches.{{ key }} = group_credits.{{ key }} and
            {% endfor -%}
            {% for flag in flags -%}
                coalesce(touches.{{ flag }}, false) = group_credits.{{ flag }}
                {%- if not loop.last %} and{% endif %}
            {% endfor %}
    -- A group whose credit rounds to 0 holds no anchor (the anchor's is the largest).
    where group_credits.rounded_credit > 0
)
{%- endif -%}
{%- endmacro %}


{#- The leading columns of a credited touch: its partition, model, touch and flags. -#}
{% macro _credited_touch_columns(keys, flags, credits) -%}
    {% for key in keys -%}
        touches.{{ key }},
    {% endfor -%}
    {{ credits }}.model,
    touches.touchpoint_id,
    touches.touched_at,
    {% for flag in flags -%}
        {{ credits }}.{{ flag }},
    {% endfor -%}
{%- endmacro %}
