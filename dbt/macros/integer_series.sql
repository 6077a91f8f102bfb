{#-
    The integers 0 .. 10^places - 1 as one column, from cross-joined digits: a spine in plain
    SQL that both engines run. dbt's date_spine asks the engine for the interval count at
    compile time, which dbt-spark's session mode cannot answer, and dbt-spark's dateadd is
    NULL under TIMESTAMP_NTZ; so spines count integers and add them with add_days_to_date or
    add_months_to_date.
-#}
{% macro integer_series(places, column_name) -%}
    select
        {% for place in range(places) -%}
            place_{{ place }}.digit * {{ 10 ** place }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as {{ column_name }}
    from
        {% for place in range(places) -%}
            (
                {% for digit in range(10) -%}
                    select {{ digit }} as digit{% if not loop.last %} union all {% endif %}
                {%- endfor %}
            ) as place_{{ place }}{% if not loop.last %} cross join {% endif %}
        {% endfor %}
{%- endmacro %}
