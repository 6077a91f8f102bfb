{#- Layers land in schemas named after the layer (staging, intermediate, marts,
    reports, lookups) rather than dbt's default "<target>_<custom>", so that BI tools
    and checks can rely on `marts.fct_attribution` on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
