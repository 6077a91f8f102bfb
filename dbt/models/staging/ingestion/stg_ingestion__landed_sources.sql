-- One row per source: what its last landing read, loaded and quarantined (the ingestion log).
with

landed as (

    select * from {{ source('ingestion', 'landed_sources') }}

),

renamed as (

    select
        source,
        source_family,
        source_name,
        is_provided,
        file_count,
        rows_read,
        rows_loaded,
        rows_quarantined,
        landed_at

    from landed

)

select * from renamed
