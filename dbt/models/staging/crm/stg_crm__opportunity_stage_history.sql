-- Every stage an opportunity entered.
with

source as (

    select * from {{ source('crm', 'opportunity_stage_history') }}

),

renamed as (

    select
        {{ dbt.concat([
            'opportunity_id', "'|'", 'stage_name', "'|'", 'cast(entered_at as ' ~ dbt.type_string() ~ ')'
        ]) }}
            as stage_entry_id,
        opportunity_id,
        stage_name,
        entered_at,
        amount

    from source

)

select * from renamed
