{#- The one normalisation rule of every position-based model (opportunities and leads).

    Emits CTEs (to follow others in a `with`) ending in `credited`. `weighted_touches`
    names a CTE with one row per (partition, model, touch): the partition columns, `model`,
    `touchpoint_id`, `touched_at`, `window_touch_count`, the role flags and the model's
    weights. `roles` pairs each role flag with its weight column. A model's roles are the ones
    it weights (> 0). For a touch t:
      raw(t)    = sum of the weights of the model's roles t holds, plus middle / k when t
                  holds none of them (k = number of such role-less touches in the window);
      share(t)  = raw(t) / sum of raw over the window;
      credit(t) = share(t) rounded to 12 places, the residue on one anchor touch
                  (credits_summing_to_one in exact_decimals.sql), so credits sum to exactly 1.
    Missing roles and an empty middle are so redistributed pro rata.
    If every raw weight of a window is 0 (a model weighting only roles no touch of it holds),
    its touches share the credit equally. -#}
{% macro position_credits(weighted_touches, partition_by, roles) -%}
role_weighted as (

    select
        {{ weighted_touches }}.*,
        {% for flag, weight in roles -%}
            case when {{ flag }} then {{ weight }} else 0 end
            {%- if not loop.last %} + {% endif %}
        {% endfor -%} as role_weight,
        {% for flag, weight in roles -%}
            ({{ flag }} and {{ weight }} > 0)
            {%- if not loop.last %} or {% endif %}
        {% endfor -%} as holds_role

    from {{ weighted_touches }}

),

middle_counted as (

    select
        role_weighted.*,
        sum(case when holds_role then 0 else 1 end) over (
            partition by {{ partition_by }}, model
        ) as middle_touch_count

    from role_weighted

),

raw_weighted as (

    select
        middle_counted.*,
        role_weight
        + case when holds_role then 0 else middle_weight / middle_touch_count end as raw_weight

    from middle_counted

),

normalised as (

    select
        raw_weighted.*,
        sum(raw_weight) over (partition by {{ partition_by }}, model) as window_raw_weight

    from raw_weighted

),

shared as (

    select
        normalised.*,
        case
            when window_raw_weight > 0 then raw_weight / window_raw_weight
            else 1.0 / window_touch_count
        end as share

    from normalised

),

{{ credits_summing_to_one('shared', partition_by ~ ', model') }}
{%- endmacro %}
