-- Campaigns with their budgeted and actual (non-ad) cost in USD, and the window their actual
-- cost is spread over, so that program costs (venues, fees, agencies) count as spend next to
-- ad spend. Costs use the campaign currency's rate at start_date, or the latest earlier one;
-- without a rate the USD amounts are NULL (the cost is quarantined, never converted as 1.0).
with

campaigns as (

    select * from {{ ref('stg_campaign__campaigns') }}

),

dated as (

    select
        campaign_id,
        currency,
        coalesce(start_date, end_date) as rate_date

    from campaigns

),

rates_on_or_before_start as (

    {{ usd_rate_on_or_before('dated', 'campaign_id', 'currency', 'rate_date') }}

),

-- The last day that began before the as-of time: later days carry no cost, since
-- actual_cost is what has been spent so far.
as_of as (

    select
        case
            when {{ dbt.cast(dbt.cast(as_of_timestamp(), 'date'), dbt.type_timestamp()) }} < {{ as_of_timestamp() }}
                then cast({{ as_of_timestamp() }} as date)
            else {{ add_days_to_date(dbt.cast(as_of_timestamp(), 'date'), -1) }}
        end as last_cost_date

),

windowed as (

    select
        campaigns.*,
        rates_on_or_before_start.usd_per_unit,
        coalesce(campaigns.start_date, campaigns.end_date) as cost_start_date,
        least(
            case
                when campaigns.end_date is null or campaigns.end_date < campaigns.start_date
                    then coalesce(campaigns.start_date, campaigns.end_date)
                else campaigns.end_date
            end,
            as_of.last_cost_date
        ) as cost_end_date

    from campaigns
    cross join as_of
    left join rates_on_or_before_start
        on campaigns.campaign_id = rates_on_or_before_start.campaign_id

),

converted as (

    select
        campaign_id,
        campaign_name,
        campaign_type,
        utm_campaign,
        channel_override,
        start_date,
        end_date,
        currency,
        usd_per_unit,
        budgeted_cost,
        budgeted_cost * usd_per_unit as budgeted_cost_usd,
        actual_cost,
        actual_cost * usd_per_unit as actual_cost_usd,
        cost_start_date,
        cost_end_date,
        greatest(
            {{ days_between('cost_start_date', 'cost_end_date') }} + 1,
            0
        ) as cost_days

    from windowed

)

select * from converted
