-- One fingerprint per opportunity of everything the attribution chain reads of it: its
-- account, creation, close, stage outcome and USD amount, and the set of contacts with a
-- role on it (the touches it may credit under either scope).
-- A view: read once by int_opportunities_changed, and once by the state a build records.
{{ config(materialized='view') }}
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

contact_roles as (

    select * from {{ ref('stg_crm__opportunity_contact_roles') }}

),

role_contacts as (

    select
        opportunity_id,
        {{ set_fingerprint(row_fingerprint(['contact_id'])) }} as contacts_fingerprint

    from (
        select distinct
            opportunity_id,
            contact_id

        from contact_roles
    ) as distinct_roles
    group by opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        {{ row_fingerprint([
            'opportunities.opportunity_id',
            'opportunities.account_id',
            'opportunities.created_at',
            'opportunities.close_date',
            'opportunities.is_closed',
            'opportunities.is_won',
            'opportunities.amount_usd',
            'role_contacts.contacts_fingerprint',
        ]) }} as opportunity_fingerprint

    from opportunities
    left join role_contacts
        on opportunities.opportunity_id = role_contacts.opportunity_id

)

select * from final
