{#- The run's as-of time: the `as_of` var when given, else the end of the latest day the data
    covers (int_as_of_resolved, a one-row model this expression reads). It ends the
    full-journey window of open opportunities and decides which months are complete.
    Every model that reads it depends on int_as_of_resolved, var or not, so that the graph
    (and Dagster's asset graph, parsed without vars) is the same for every build; a unit
    test that sets the var needs no fixture for it. -#}
{% macro as_of_timestamp() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or as_of == '' -%}
        (select as_of_at from {{ ref('int_as_of_resolved') }})
    {%- elif model.resource_type == 'unit_test' -%}
        cast('{{ as_of }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {%- do ref('int_as_of_resolved') -%}
        cast('{{ as_of }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}
