{#- Generic test: the model has no rows. Used at severity warn on quarantine models, so
    quarantined records are reported on every run without stopping it. -#}
{% test is_empty_warning(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
{% endtest %}
