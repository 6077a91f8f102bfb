{#- The one normalisation rule of every position-based model (opportunities and leads).

    Returns a relation (a parenthesised subquery the calling model names itself, e.g.
    `credited as (select * from {{ position_credits(...) }} as position_credited)`) with every
    column of `weighted_touches` plus role_weight, holds_role, middle_touch_count, raw_weight,
    window_raw_weight, share and the columns of credits_summing_to_one (credit,
    is_residue_anchor). `weighted_touches` names a relation with one row per (partition, model,
    touch): the partition columns, `model`, `touchpoint_id`, `touched_at`, `window_touch_count`,
    the role flags and the model's weights. `roles` pairs each role flag with its weight column.
    A model's roles are the ones it weights (> 0). For a touch t:
      raw(t)    = sum of the weights of the model's roles t holds, plus middle / k when t
                  holds none of them (k = number of such role-less touches in the window);
      share(t)  = raw(t) / sum of raw over the window;
      credit(t) = share(t) rounded to 12 places, the residue on one anchor touch
                  (credits_summing_to_one in exact_decimals.sql), so credits sum to exactly 1.
    Missing roles and an empty middle are so redistributed pro rata.
    If every raw weight of a window is 0 (a model weighting only roles no touch of it holds),
    its touches share the credit equally. -#}
{% macro position_credits(weighted_touches, partition_by, roles) -%}
{%- set role_weighted -%}
(
    select
        weighted_touches.*,
        {% for flag, weight in roles -%}
            case when {{ flag }} then {{ weight }} else 0 end
            {%- if not loop.last %} + {% endif %}
        {% endfor -%} as role_weight,
        {% for flag, weight in roles -%}
            ({{ flag }} and {{ weight }} > 0)
            {%- if not loop.last %} or {% endif %}
        {% endfor -%} as holds_role

    from {{ weighted_touches }} as weighted_touches
)
{%- endset -%}
{%- set middle_counted -%}
(
    select
        role_weighted.*,
        sum(case when holds_role then 0 else 1 end) over (
            partition by {{ partition_by }}, model
        ) as middle_touch_count

    from {{ role_weighted }} as role_weighted
)
{%- endset -%}
{%- set raw_weighted -%}
(
    select
        middle_counted.*,
        role_weight
        + case when holds_role then 0 else middle_weight / middle_touch_count end as raw_weight

    from {{ middle_counted }} as middle_counted
)
{%- endset -%}
{%- set normalised -%}
(
    select
        raw_weighted.*,
        sum(raw_weight) over (partition by {{ partition_by }}, model) as window_raw_weight

    from {{ raw_weighted }} as raw_weighted
)
{%- endset -%}
{%- set shared -%}
(
    select
        normalised.*,
        case
            when window_raw_weight > 0 then raw_weight / window_raw_weight
            else 1.0 / window_touch_count
        end as share

    from {{ normalised }} as normalised
)
{%- endset -%}
{{ credits_summing_to_one(shared, partition_by ~ ', model') }}
{%- endmacro %}
