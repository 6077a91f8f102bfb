{#- The run's as-of time: the `as_of` var when given, else the end of the latest day the data
    covers (int_as_of_resolved, a one-row model this expression reads). It ends the
    full-journey window of open opportunities and decides which months are complete. -#}
{% macro as_of_timestamp() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or as_of == '' -%}
        (select as_of_at from {{ ref('int_as_of_resolved') }})
    {%- else -%}
        cast('{{ as_of }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}
