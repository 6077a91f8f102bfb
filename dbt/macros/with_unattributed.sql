{#- Completes credits so every entity (opportunity or lead) has rows under every model:
    one with a NULL touchpoint and credit 1 where the model credited no touch, so totals
    reconcile to the CRM. Returns a relation (a parenthesised subquery the calling model names
    itself, e.g. `all_credits as (select * from {{ with_unattributed(...) }} as completed)`)
    with the columns of `credits`: key, model, touchpoint_id, touched_at, the role flags, credit,
    is_residue_anchor (the unattributed row is its own anchor). `credits`, `entities` and
    `models` name relations (CTEs) of the calling model; `null_columns` lists (name, type) of
    further columns of `credits`, after is_residue_anchor, that the unattributed row leaves
    NULL. `credited`, when given, names a relation of the (key, model) pairs with credits,
    known more cheaply than by reading the credits twice (which would make the engine keep
    every credit row aside to read it again). -#}
{% macro with_unattributed(credits, entities, models, key, role_flags, null_columns=[], credited=none) -%}
(
    select * from {{ credits }}

    union all

    select
        {{ entities }}.{{ key }},
        {{ models }}.model,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        cast(null as {{ dbt.type_timestamp() }}) as touched_at,
        {%- for flag in role_flags %}
        false as {{ flag }},
        {%- endfor %}
        cast(1 as {{ credit_type() }}) as credit,
        true as is_residue_anchor
        {%- for name, type in null_columns %},
        cast(null as {{ type }}) as {{ name }}
        {%- endfor %}

    from {{ entities }}
    cross join {{ models }}
    left join {% if credited is not none -%}
        {{ credited }}
    {%- else -%}
    (
        select distinct
            {{ key }},
            model

        from {{ credits }}
    )
    {%- endif %} as credited_pairs
        on
            {{ entities }}.{{ key }} = credited_pairs.{{ key }}
            and {{ models }}.model = credited_pairs.model
    where credited_pairs.{{ key }} is null
)
{%- endmacro %}
