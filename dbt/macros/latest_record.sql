{#- Keeps one version per key, as the source contract says: the latest
    `updated_at` wins, else the last row in file order. Raw rows carry their
    file and line (_source_file, _source_line) for exactly this tie-break. -#}
{% macro latest_record(relation, key, order_by_updated_at=true) -%}
    select ranked.*
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ key }}
                order by
                    {% if order_by_updated_at -%} updated_at desc nulls last, {%- endif %}
                    _source_file desc,
                    _source_line desc
            ) as version_rank
        from {{ relation }} as versions
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}
