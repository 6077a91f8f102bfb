{#- Converting money to USD, the one way every mart does it: the rate of the record's own date,
    else the latest earlier rate; USD is always 1. A record whose currency has no rate on or
    before that date gets a NULL rate, and is quarantined (never converted as 1.0). -#}

{#- One row per key of `records` (a CTE or relation): usd_per_unit, NULL when no rate applies. -#}
{% macro usd_rate_on_or_before(records, key_column, currency_column, date_column) -%}
    select
        {{ records }}.{{ key_column }},
        case
            when {{ records }}.{{ currency_column }} = 'USD' then 1.0
            else max(fx_rates.usd_per_unit)
        end as usd_per_unit

    from {{ records }}
    left join (
        select
            fx_rates.currency,
            fx_rates.rate_date,
            fx_rates.usd_per_unit,
            lead(fx_rates.rate_date) over (
                partition by fx_rates.currency order by fx_rates.rate_date
            ) as next_rate_date
        from {{ ref('stg_revenue__fx_rates') }} as fx_rates
    ) as fx_rates
        on
            {{ records }}.{{ currency_column }} = fx_rates.currency
            and cast({{ records }}.{{ date_column }} as date) >= fx_rates.rate_date
            and (
                fx_rates.next_rate_date is null
                or cast({{ records }}.{{ date_column }} as date) < fx_rates.next_rate_date
            )
    group by {{ records }}.{{ key_column }}, {{ records }}.{{ currency_column }}
{%- endmacro %}

{#- Why a record could not be converted: its currency has no rate at all, or none on or
    before its date (the first rate is named). For the *_unconverted quarantine models. -#}
{% macro usd_unconverted_reason(currency_expr, first_rate_date_expr, date_label) -%}
    case
        when {{ first_rate_date_expr }} is null
            then {{ dbt.concat(["'no fx rate at all for currency '", currency_expr]) }}
        else {{ dbt.concat([
            "'no fx rate on or before " ~ date_label ~ "; first rate is '",
            dbt.cast(first_rate_date_expr, dbt.type_string()),
        ]) }}
    end
{%- endmacro %}

{#- The first day each currency has a rate: the fact usd_unconverted_reason needs. One select,
    for the quarantine models' `currencies_with_rates` CTE. -#}
{% macro currencies_with_first_rate() -%}
    select
        currency,
        min(rate_date) as first_rate_date

    from {{ ref('stg_revenue__fx_rates') }}
    group by currency
{%- endmacro %}
