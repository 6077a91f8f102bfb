-- USD per unit of a currency per day. USD itself is always 1, exported or not.
with

source as (

    select * from {{ source('revenue', 'fx_rates') }}

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
