-- Nothing falls between bookings and billing: every won opportunity has exactly one booking row,
-- and every non-void invoice is counted exactly once, either under its won opportunity's row or
-- as its own invoice_without_booking row.
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

invoices as (

    select * from {{ ref('fct_invoices') }}

),

bookings_billing as (

    select * from {{ ref('fct_bookings_billing') }}

),

booking_rows as (

    select opportunity_id from bookings_billing
    where invoice_id is null

),

expected as (

    select
        {{ dbt.concat(["'opportunity|'", 'opportunity_id']) }} as record_id,
        opportunity_id
    from opportunities
    where is_won
    union all
    select
        {{ dbt.concat(["'invoice|'", 'invoice_id']) }} as record_id,
        opportunity_id
    from invoices
    where not is_void

),

accounted as (

    select {{ dbt.concat(["'opportunity|'", 'opportunity_id']) }} as record_id
    from booking_rows
    union all
    -- An invoice is covered by its deal's booking row...
    select {{ dbt.concat(["'invoice|'", 'invoices.invoice_id']) }} as record_id
    from invoices
    inner join booking_rows
        on invoices.opportunity_id = booking_rows.opportunity_id
    where not invoices.is_void
    union all
    -- ...or by its own row.
    select {{ dbt.concat(["'invoice|'", 'invoice_id']) }} as record_id
    from bookings_billing
    where invoice_id is not null

),

counted as (

    select
        expected.record_id,
        count(accounted.record_id) as times_accounted

    from expected
    left join accounted
        on expected.record_id = accounted.record_id
    group by expected.record_id

)

select * from counted
where times_accounted != 1
