-- One row per input row that broke its source contract and was quarantined at landing, with
-- where it came from and why: what a data owner fixes in the export.
with

quarantined_rows as (

    select * from {{ ref('stg_ingestion__quarantined_rows') }}

),

final as (

    select
        quarantined_row_id,
        source,
        source_family,
        source_name,
        file,
        line,
        column_name,
        reason,
        raw_record,
        problem_count

    from quarantined_rows

)

select * from final
