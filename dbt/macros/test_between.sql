{#- Generic test: every non-NULL value lies in [min_value, max_value] (rates, shares,
    attainment floors). NULL passes: a rate with an empty denominator is NULL, not 0. -#}
{% test between(model, column_name, min_value=0, max_value=1) %}
    select *
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
