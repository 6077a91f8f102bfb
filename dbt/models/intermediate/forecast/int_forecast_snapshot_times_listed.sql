-- The instants the forecast looks at its deals and prospects: the start of every month of the
-- calendar and the as-of time. Every cutoff is one of them (a quarter start or the as-of), so
-- each cutoff sees the deals and prospects open at it, and its history at the months before.

with

months as (

    select * from {{ ref('int_months_spined') }}

),

as_of as (

    select as_of_at from {{ ref('int_as_of_resolved') }}

),

final as (

    select cast(month_start as {{ dbt.type_timestamp() }}) as snapshot_at from months
    union
    select as_of_at as snapshot_at from as_of

)

select * from final
