{#- The run's as-of time, as a timestamp literal: the `as_of` var when given, else the end of
    the latest day the data covers, read from int_as_of_resolved (a one-row model built
    before every model that calls this) when the model is compiled. A literal, not a scalar
    subquery: a subquery in a join condition cost the attribution windows four times their
    time at a million touchpoints. It ends the full-journey window of open opportunities and
    decides which months are complete.
    Every model that reads it depends on int_as_of_resolved, var or not, so that the graph
    (and Dagster's asset graph, parsed without vars) is the same for every build; a unit test
    that sets the var needs no fixture for it. Where int_as_of_resolved is not built yet
    (compiling for docs or lint before any build) the expression reads it as a subquery.
    The literal is read once per model and kept in the model's compile context: a model
    calls this up to eight times, and on Spark each read costs about a second. -#}
{% macro as_of_timestamp() -%}
    {%- set cache_key = '_as_of_timestamp_literal' -%}
    {%- if model is mapping and model.get(cache_key) -%}
        {{ return(model[cache_key]) }}
    {%- endif -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is not none and as_of != '' and model.resource_type == 'unit_test' -%}
        {{ return(_as_of_literal(as_of)) }}
    {%- endif -%}
    {%- set resolved = ref('int_as_of_resolved') -%}
    {%- if (as_of is none or as_of == '') and execute -%}
        {%- set built = adapter.get_relation(
            database=resolved.database, schema=resolved.schema, identifier=resolved.identifier
        ) -%}
        {%- if built is not none -%}
            {%- set found = run_query(
                'select ' ~ dbt.cast('as_of_at', dbt.type_string()) ~ ' as as_of from ' ~ built
            ) -%}
            {%- set as_of = found.columns[0].values()[0] if found.rows | length else none -%}
        {%- endif -%}
    {%- endif -%}
    {%- if as_of is none or as_of == '' -%}
        (select as_of_at from {{ resolved }})
    {%- else -%}
        {%- set literal = _as_of_literal(as_of) -%}
        {%- if model is mapping -%}
            {%- do model.update({cache_key: literal}) -%}
        {%- endif -%}
        {{ literal }}
    {%- endif -%}
{%- endmacro %}

{% macro _as_of_literal(as_of) -%}
    cast('{{ as_of }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
