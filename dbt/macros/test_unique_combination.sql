{#- Generic test: the given columns together identify a row (NULLs count as a value).
    `within` (optional, a (column, model) pair) tests only the rows whose `column` is listed
    in that model: an incremental table's rows written by this build, e.g. the opportunities
    int_opportunities_changed lists. The rows kept were tested when they were written, and a
    key that includes `column` cannot repeat across the two. -#}
{% test unique_combination(model, columns, within=none) %}
    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    {%- if within is not none %}
    where {{ within[0] }} in (select {{ within[0] }} from {{ ref(within[1]) }})
    {%- endif %}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
