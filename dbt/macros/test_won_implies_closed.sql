{#- Generic test: a won opportunity must be closed (source contract). -#}
{% test won_implies_closed(model, column_name) %}
    select *
    from {{ model }}
    where {{ column_name }} and not is_closed
{% endtest %}
