{#- The run's as-of time: the `as_of` var when given, else the build time (UTC).
    It ends the full-journey window of open opportunities. -#}
{% macro as_of_timestamp() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or as_of == '' -%}
        {%- set as_of = run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}
    {%- endif -%}
    cast('{{ as_of }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
