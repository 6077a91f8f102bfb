-- Every stage an opportunity entered.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

    {{ latest_record(
        source('crm', 'opportunity_stage_history'),
        'opportunity_id, stage_name, entered_at',
        order_by_updated_at=false
    ) }}

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
