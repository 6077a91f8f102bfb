{#- Date arithmetic on DATE values that both engines run. dbt-spark's dateadd goes through
    unix seconds and to_timestamp, which fails or gives NULL under the project's
    spark.sql.timestampType TIMESTAMP_NTZ; these stay on dates. -#}

{#- Whole days from start_date to end_date: 0 for the same day, negative when end is earlier. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'attribution')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    (cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}

{#- The date n months after date_expr (n may be an expression), as a DATE. -#}
{% macro add_months_to_date(date_expr, months) -%}
    {{ return(adapter.dispatch('add_months_to_date', 'attribution')(date_expr, months)) }}
{%- endmacro %}

{% macro default__add_months_to_date(date_expr, months) -%}
    cast({{ dbt.dateadd('month', months, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_months_to_date(date_expr, months) -%}
    add_months(cast({{ date_expr }} as date), cast({{ months }} as int))
{%- endmacro %}

{#- The date n days after date_expr (n an integer literal or expression), as a DATE. -#}
{% macro add_days_to_date(date_expr, days) -%}
    {{ return(adapter.dispatch('add_days_to_date', 'attribution')(date_expr, days)) }}
{%- endmacro %}

{% macro default__add_days_to_date(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_days_to_date(date_expr, days) -%}
    date_add(cast({{ date_expr }} as date), cast({{ days }} as int))
{%- endmacro %}
