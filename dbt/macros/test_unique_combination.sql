{#- Generic test: the given columns together identify a row (NULLs count as a value).
    `within` (optional, a (column, model) pair) tests only the rows whose `column` is listed
    in that model: an incremental table's rows written by this build, e.g. the opportunities
    int_opportunities_changed lists. The rows kept were tested when they were written, and a
    key that includes `column` cannot repeat across the two. -#}
{% test unique_combination(model, columns, within=none) %}
    {%- set condition = none if within is none else
        within[0] ~ ' in (select ' ~ within[0] ~ ' from ' ~ ref(within[1]) ~ ')' -%}
    {{ repeated_keys(model, columns, condition) }}
{% endtest %}

{#- The keys (`columns`) that more than one row of `model` holds, with how many, among the
    rows that meet `condition` (SQL, optional).

    Grouping the biggest tables by their key strings is what made their uniqueness tests
    expensive (75M attribution rows by three strings: 21 s at 10M touchpoints). Rows are
    grouped by a 64-bit hash of the key first, and only rows whose hash repeats are grouped by
    the key itself: the result is exact (a collision only sends its rows to the second step),
    and it took 14 s. A single column is left to dbt's own `unique`: its hash costs about what
    grouping by it saves, and a view over raw files would be read twice (the web sessions' id:
    7.1 s against 6.1 s). -#}
{% macro repeated_keys(model, columns, condition=none) %}
    {%- set where = '' if condition is none else 'where ' ~ condition -%}
    with

    hashed as (

        select {{ row_fingerprint(columns) }} as key_hash
        from {{ model }}
        {{ where }}

    ),

    repeated_hashes as (

        select key_hash
        from hashed
        group by key_hash
        having count(*) > 1

    )

    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    where {{ row_fingerprint(columns) }} in (select key_hash from repeated_hashes)
    {%- if condition is not none %}
        and {{ condition }}
    {%- endif %}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endmacro %}
