-- Every staged opportunity, in USD where it can be, stamped with its account's segment,
-- region and industry as of creation. amount_usd uses the rate of the close date, or the
-- latest earlier rate, in cents (DECIMAL). An opportunity whose currency has no rate on or
-- before its close date is kept, never converted as 1.0: amount_usd and usd_per_unit are
-- NULL and usd_unconverted_reason says why (int_opportunities_unconverted lists them).
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

account_versions as (

    select * from {{ ref('stg_crm__account_versions') }}

),

rates_on_or_before_close as (

    {{ usd_rate_on_or_before('opportunities', 'opportunity_id', 'currency', 'close_date') }}

),

currencies_with_rates as (

    {{ currencies_with_first_rate() }}

),

account_as_of_creation as (

    select
        opportunities.opportunity_id,
        account_versions.segment,
        account_versions.region,
        account_versions.industry,
        {{ account_version_rank(['opportunities.opportunity_id'], 'opportunities.created_at') }} as version_rank

    from opportunities
    inner join account_versions
        on opportunities.account_id = account_versions.account_id

),

rated as (

    select
        opportunities.*,
        rates_on_or_before_close.usd_per_unit,
        currencies_with_rates.first_rate_date

    from opportunities
    left join rates_on_or_before_close
        on opportunities.opportunity_id = rates_on_or_before_close.opportunity_id
    left join currencies_with_rates
        on opportunities.currency = currencies_with_rates.currency

),

converted as (

    select
        rated.opportunity_id,
        rated.account_id,
        rated.opportunity_name,
        rated.opportunity_type,
        rated.stage_name,
        rated.amount,
        rated.currency,
        cast(rated.usd_per_unit as double) as usd_per_unit,
        {{ usd_cents('rated.amount', 'rated.usd_per_unit') }} as amount_usd,
        case
            when rated.usd_per_unit is null
                then {{ usd_unconverted_reason('rated.currency', 'rated.first_rate_date', 'close date') }}
        end as usd_unconverted_reason,
        rated.is_closed,
        rated.is_won,
        rated.created_at,
        rated.close_date,
        rated.primary_campaign_id,
        rated.lead_source,
        account_as_of_creation.segment,
        account_as_of_creation.region,
        account_as_of_creation.industry

    from rated
    left join account_as_of_creation
        on
            rated.opportunity_id = account_as_of_creation.opportunity_id
            and account_as_of_creation.version_rank = 1

)

select * from converted
