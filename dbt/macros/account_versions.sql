{#- Which account version describes an account at time `at`: rank 1 is the latest version valid
    then, else (an account first exported after that time) the earliest version. For a select
    that joins `account_versions` to its rows; `partition_by` names one row. -#}
{% macro account_version_rank(partition_by, at) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by
            case when account_versions.valid_from <= {{ at }} then 0 else 1 end,
            case
                when account_versions.valid_from <= {{ at }}
                    then account_versions.version_number
                else -account_versions.version_number
            end desc
    )
{%- endmacro %}
