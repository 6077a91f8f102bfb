{#- date + n calendar months. dbt-spark's dateadd goes through unix seconds and to_timestamp,
    which returns NULL under spark.sql.timestampType=TIMESTAMP_NTZ (our profile): Spark uses its
    own add_months instead. -#}
{% macro add_months(date_expr, months) -%}
    {{ return(adapter.dispatch('add_months', 'attribution')(date_expr, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expr, months) -%}
    {{ dbt.dateadd('month', months, date_expr) }}
{%- endmacro %}

{% macro spark__add_months(date_expr, months) -%}
    add_months({{ date_expr }}, {{ months }})
{%- endmacro %}
