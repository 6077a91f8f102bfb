-- One row per quarantined input row, every source together; `column` renamed (a keyword).
with

quarantined as (

    select * from {{ source('ingestion', 'quarantined_rows') }}

),

renamed as (

    select
        {{ dbt.concat(['source', "'|'", 'file', "'|'", dbt.cast('line', dbt.type_string())]) }}
            as quarantined_row_id,
        source,
        {{ dbt.split_part('source', "'/'", 1) }} as source_family,
        {{ dbt.split_part('source', "'/'", 2) }} as source_name,
        file,
        cast(line as {{ dbt.type_bigint() }}) as line,
        {{ adapter.quote('column') }} as column_name,
        reason,
        raw_record,
        cast(problem_count as {{ dbt.type_bigint() }}) as problem_count

    from quarantined

)

select * from renamed
