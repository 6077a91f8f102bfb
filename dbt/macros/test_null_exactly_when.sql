{#- Generic test: the column is NULL exactly on the rows where `condition` holds (e.g. a money
    column NULL exactly when a reason says why), neither more nor less often. -#}
{% test null_exactly_when(model, column_name, condition) %}
    select *
    from {{ model }}
    where
        ({{ column_name }} is null and not ({{ condition }}))
        or ({{ column_name }} is not null and ({{ condition }}))
{% endtest %}
