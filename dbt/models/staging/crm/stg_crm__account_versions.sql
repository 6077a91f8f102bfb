-- Every version of every account, with the time from which it was valid, so that
-- opportunities can be stamped with the segment, region and industry of their creation.
with

source as (

    select * from {{ source('crm', 'accounts') }}

),

renamed as (

    select
        account_id,
        account_name,
        domain,
        industry,
        region,
        segment,
        employee_count,
        created_at,
        updated_at,
        coalesce(updated_at, created_at) as valid_from,
        row_number() over (
            partition by account_id
            order by updated_at asc nulls first, _source_file asc, _source_line asc
        ) as version_number,
        {{ dbt.concat([
            'account_id', "'#'", 'cast(_source_line as ' ~ dbt.type_string() ~ ')', "'@'", '_source_file'
        ]) }}
            as account_version_id

    from source

)

select * from renamed
