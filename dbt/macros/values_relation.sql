{#- A one-column relation of the given string values (a list var, such as
    marketing_contribution_opportunity_types), for a model to join to. An empty list gives
    no rows. -#}
{% macro values_relation(values, column_name) -%}
    {%- if values | length == 0 -%}
        select cast(null as {{ dbt.type_string() }}) as {{ column_name }} where 1 = 0
    {%- else -%}
        {%- for value in values %}
        select cast('{{ value | replace("'", "''") }}' as {{ dbt.type_string() }}) as {{ column_name }}
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
