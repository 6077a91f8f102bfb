-- USD per unit of a currency per day. USD itself is always 1, exported or not.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

    {{ latest_record(
        source('revenue', 'fx_rates'),
        'upper(trim(currency)), rate_date',
        order_by_updated_at=false
    ) }}

),

renamed as (

    select
        {{ dbt.concat(['upper(trim(currency))', "'|'", 'cast(rate_date as ' ~ dbt.type_string() ~ ')']) }}
            as fx_rate_id,
        rate_date,
        upper(trim(currency)) as currency,
        usd_per_unit

    from source

)

select * from renamed
