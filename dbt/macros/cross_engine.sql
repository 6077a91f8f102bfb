{#- Engine-specific SQL lives here, behind adapter.dispatch, one implementation per engine;
    models call only these and dbt's own cross-database macros. -#}

{#- ts + n days, keeping the time of day and sub-second precision. -#}
{% macro add_days(timestamp_expr, days) -%}
    {{ return(adapter.dispatch('add_days', 'attribution')(timestamp_expr, days)) }}
{%- endmacro %}

{% macro default__add_days(timestamp_expr, days) -%}
    {{ dbt.dateadd('day', days, timestamp_expr) }}
{%- endmacro %}

{% macro spark__add_days(timestamp_expr, days) -%}
    ({{ timestamp_expr }} + make_dt_interval({{ days }}))
{%- endmacro %}

{#- Exact (fractional) seconds from start to end. -#}
{% macro seconds_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('seconds_between', 'attribution')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__seconds_between(start_expr, end_expr) -%}
    ({{ dbt.datediff(start_expr, end_expr, 'microsecond') }} / 1000000.0)
{%- endmacro %}

{% macro spark__seconds_between(start_expr, end_expr) -%}
    (timestampdiff(microsecond, {{ start_expr }}, {{ end_expr }}) / 1000000.0)
{%- endmacro %}

{#- Make the raw Parquet area readable as sources. dbt-duckdb reads it in place through
    each source's meta.external_location, so there is nothing to do; Spark registers one
    external table per source over the same folders (on-run-start). -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'attribution')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() -%}
            {%- set folder = source.source_meta['raw_folder'] ~ '/' ~ source.name -%}
            {%- do run_query('create database if not exists ' ~ source.schema) -%}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do run_query(
                'create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ " using parquet location '" ~ folder ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
