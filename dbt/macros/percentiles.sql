{#- Continuous percentile (linear interpolation between the two nearest ranks, as in
    PERCENTILE_CONT): the same value on every engine. DuckDB spells it quantile_cont, Spark
    percentile; both interpolate linearly, so e.g. 1, 2, 3, 10 give a median of 2.5 and a p75 of 4.75.
    An aggregate: use it in a grouped select. -#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'attribution')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expr, fraction) -%}
    quantile_cont(cast({{ expr }} as double), {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_cont(expr, fraction) -%}
    percentile(cast({{ expr }} as double), {{ fraction }})
{%- endmacro %}
