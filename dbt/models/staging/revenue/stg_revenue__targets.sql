-- Monthly targets per metric; an empty segment or region means "all".
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

    {{ latest_record(
        source('revenue', 'targets'),
        'period_month, metric, segment, region',
        order_by_updated_at=false
    ) }}

),

renamed as (

    select
        {{ dbt.concat([
            'period_month', "'|'", 'metric', "'|'", "coalesce(segment, '*')", "'|'", "coalesce(region, '*')"
        ]) }} as target_id,
        period_month,
        cast({{ dbt.concat(['period_month', "'-01'"]) }} as date) as period_start,
        lower(trim(metric)) as metric,
        target,
        segment,
        region

    from source

)

select * from renamed
