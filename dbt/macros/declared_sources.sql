{#- The declared source exports (every dbt source but the ingestion log and what the run
    itself writes, such as the data-driven fit: meta written_by), one row each:
    source ('family/name'), source_family, source_name. Read from dbt's graph, so a source
    added to the sources YAML appears in dim_sources whether or not it was ever landed.
    The graph exists only at execution; at parse time this is an empty, typed relation. -#}
{% macro declared_sources() -%}
    {%- set declared = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if not node.source_meta.get('ingestion_log') and not node.source_meta.get('written_by') -%}
                {%- do declared.append((node.source_name, node.name)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for family, name in declared %}
    select
        cast('{{ family }}/{{ name }}' as {{ dbt.type_string() }}) as source,
        cast('{{ family }}' as {{ dbt.type_string() }}) as source_family,
        cast('{{ name }}' as {{ dbt.type_string() }}) as source_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as source_family,
        cast(null as {{ dbt.type_string() }}) as source_name
    where 1 = 0
    {%- endfor %}
{%- endmacro %}
