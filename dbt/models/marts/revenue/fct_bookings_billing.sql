-- Bookings vs billing, so finance can see which won deals are billed as booked and which are
-- not: one row per won opportunity (booked vs invoiced so far) and one row per non-void invoice
-- that matches no won opportunity. A deal's invoices are valued at the deal's own fx rate, so
-- an fx move between close and invoice is never reported as a billing difference, and a deal
-- billed in instalments whose schedule is on track is 'partially_invoiced', not a mismatch.
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

invoices as (

    select * from {{ ref('fct_invoices') }}

),

won as (

    select * from opportunities
    where is_won

),

deal_invoices as (

    select
        won.opportunity_id,
        cast(sum(case when invoices.is_void then 0 else 1 end) as bigint) as invoice_count,
        cast(sum(case when invoices.is_void then 1 else 0 end) as bigint) as void_invoice_count,
        -- In the deal's currency: the invoice's own amount, or (another currency) its USD value
        -- brought back at the deal's rate.
        cast(sum(
            case
                when invoices.is_void then 0
                when invoices.currency = won.currency then invoices.amount
                else invoices.amount_usd / won.usd_per_unit
            end
        ) as double) as invoiced_amount,
        min(case when not invoices.is_void then invoices.service_start end) as first_service_start,
        max(case when not invoices.is_void then invoices.service_end end) as invoiced_through

    from won
    inner join invoices
        on won.opportunity_id = invoices.opportunity_id
    group by won.opportunity_id

),

deal_terms as (

    select
        opportunity_id,
        {{ dbt.datediff(
            'first_service_start',
            'invoiced_through',
            'day',
        ) }} + 1 as days_invoiced,
        {{ add_months_to_date('first_service_start', var('billing_term_months')) }} as term_end_exclusive

    from deal_invoices

),

bookings as (

    select
        won.opportunity_id,
        won.account_id,
        won.opportunity_type,
        won.close_date,
        won.currency,
        won.usd_per_unit,
        won.amount as booked_amount,
        won.amount_usd as booked_usd,
        coalesce(deal_invoices.invoice_count, 0) as invoice_count,
        coalesce(deal_invoices.void_invoice_count, 0) as void_invoice_count,
        coalesce(deal_invoices.invoiced_amount, 0) as invoiced_amount,
        coalesce(deal_invoices.invoiced_amount, 0) * won.usd_per_unit as invoiced_usd,
        deal_invoices.first_service_start,
        deal_invoices.invoiced_through,
        -- Share of the contract term (billing_term_months from the first service day) that the
        -- invoices so far cover: what an on-track instalment schedule has billed by now.
        case
            when deal_invoices.first_service_start is null then 0.0
            else least(
                1.0,
                deal_terms.days_invoiced / nullif(
                    {{ dbt.datediff('deal_invoices.first_service_start', 'deal_terms.term_end_exclusive', 'day') }}, 0
                )
            )
        end as term_share_invoiced

    from won
    left join deal_invoices
        on won.opportunity_id = deal_invoices.opportunity_id
    left join deal_terms
        on won.opportunity_id = deal_terms.opportunity_id

),

booking_rows as (

    select
        {{ dbt.concat(["'opportunity|'", 'opportunity_id']) }} as bookings_billing_id,
        opportunity_id,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        account_id,
        opportunity_type,
        close_date,
        currency,
        usd_per_unit,
        booked_amount,
        booked_usd,
        invoice_count,
        void_invoice_count,
        invoiced_amount,
        invoiced_usd,
        invoiced_amount - booked_amount as difference_amount,
        invoiced_usd - booked_usd as difference_usd,
        first_service_start,
        invoiced_through,
        booked_usd * term_share_invoiced as expected_invoiced_to_date_usd,
        case
            when invoice_count = 0
                then
                    case
                        when
                            {{ add_days_to_date('close_date', var('billing_grace_days')) }}
                            >= cast({{ as_of_timestamp() }} as date)
                            then 'awaiting_invoice'
                        else 'booking_without_invoice'
                    end
            when abs(invoiced_usd - booked_usd) <= {{ var('billing_tolerance_usd') }} then 'matched'
            when invoiced_usd > booked_usd then 'over_invoiced'
            -- Under-invoiced, but on schedule: the next instalment is not overdue yet and what
            -- is billed matches the share of the term the invoices cover.
            when
                {{ add_days_to_date('invoiced_through', var('billing_grace_days') + 1) }}
                >= cast({{ as_of_timestamp() }} as date)
                and abs(invoiced_usd - booked_usd * term_share_invoiced) <= greatest(
                    {{ var('billing_tolerance_usd') }},
                    {{ var('billing_schedule_tolerance_share') }} * booked_usd
                )
                then 'partially_invoiced'
            else 'under_invoiced'
        end as status,
        cast(null as {{ dbt.type_string() }}) as unmatched_reason

    from bookings

),

unmatched_invoices as (

    select
        {{ dbt.concat(["'invoice|'", 'invoices.invoice_id']) }} as bookings_billing_id,
        invoices.opportunity_id,
        invoices.invoice_id,
        invoices.account_id,
        opportunities.opportunity_type,
        opportunities.close_date,
        invoices.currency,
        invoices.usd_per_unit,
        0.0 as booked_amount,
        0.0 as booked_usd,
        cast(1 as bigint) as invoice_count,
        cast(0 as bigint) as void_invoice_count,
        invoices.amount as invoiced_amount,
        invoices.amount_usd as invoiced_usd,
        invoices.amount as difference_amount,
        invoices.amount_usd as difference_usd,
        invoices.service_start as first_service_start,
        invoices.service_end as invoiced_through,
        0.0 as expected_invoiced_to_date_usd,
        'invoice_without_booking' as status,
        case
            when invoices.opportunity_id is null then 'invoice has no opportunity_id'
            when opportunities.opportunity_id is null then 'opportunity_id matches no opportunity'
            else 'opportunity is not won'
        end as unmatched_reason

    from invoices
    left join opportunities
        on invoices.opportunity_id = opportunities.opportunity_id
    where
        not invoices.is_void
        and (opportunities.opportunity_id is null or not opportunities.is_won)

),

unioned as (

    select * from booking_rows
    union all
    select * from unmatched_invoices

),

final as (

    select
        unioned.bookings_billing_id,
        unioned.opportunity_id,
        unioned.invoice_id,
        unioned.account_id,
        unioned.opportunity_type,
        unioned.close_date,
        unioned.currency,
        cast(unioned.usd_per_unit as double) as usd_per_unit,
        cast(unioned.booked_amount as double) as booked_amount,
        cast(unioned.booked_usd as double) as booked_usd,
        unioned.invoice_count,
        unioned.void_invoice_count,
        cast(unioned.invoiced_amount as double) as invoiced_amount,
        cast(unioned.invoiced_usd as double) as invoiced_usd,
        cast(unioned.difference_amount as double) as difference_amount,
        cast(unioned.difference_usd as double) as difference_usd,
        unioned.first_service_start,
        unioned.invoiced_through,
        cast(unioned.expected_invoiced_to_date_usd as double) as expected_invoiced_to_date_usd,
        unioned.status,
        unioned.unmatched_reason,
        -- An invoice with no opportunity_id is ad-hoc billing (e.g. services) with nothing to
        -- reconcile to; one naming an unknown or unwon opportunity is a real follow-up.
        (
            unioned.status in ('under_invoiced', 'over_invoiced', 'booking_without_invoice')
            or (unioned.status = 'invoice_without_booking' and unioned.opportunity_id is not null)
        ) as is_mismatch

    from unioned

)

select * from final
