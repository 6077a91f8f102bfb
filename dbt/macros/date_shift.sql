{#- Calendar arithmetic on DATES that returns a DATE on every engine. dbt-spark's dateadd goes
    through to_timestamp(unix seconds), which is NULL under spark.sql.timestampType=TIMESTAMP_NTZ
    (this project's Spark profile), so Spark uses its native date functions instead. -#}

{% macro add_days_to_date(date_expr, days) -%}
    {{ return(adapter.dispatch('add_days_to_date', 'attribution')(date_expr, days)) }}
{%- endmacro %}

{% macro default__add_days_to_date(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_days_to_date(date_expr, days) -%}
    date_add(cast({{ date_expr }} as date), {{ days }})
{%- endmacro %}

{% macro add_months_to_date(date_expr, months) -%}
    {{ return(adapter.dispatch('add_months_to_date', 'attribution')(date_expr, months)) }}
{%- endmacro %}

{% macro default__add_months_to_date(date_expr, months) -%}
    cast({{ dbt.dateadd('month', months, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_months_to_date(date_expr, months) -%}
    add_months(cast({{ date_expr }} as date), {{ months }})
{%- endmacro %}
