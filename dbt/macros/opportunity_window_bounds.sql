{#- Where an opportunity's attribution windows start and where a closed one's end, as two
    select columns of the relation named `opportunities`: window_start_at (creation minus the
    lookback, inclusive) and close_day_end_at (midnight after the close date, exclusive).
    int_opportunity_touches_windowed draws the windows with them, and int_opportunities_changed
    finds the deals a changed touch falls into with the same bounds. -#}
{% macro opportunity_window_bounds(opportunities) -%}
    {%- set lookback_days = var('attribution_lookback_days') | int -%}
    {{ add_days(opportunities ~ '.created_at', -lookback_days) }} as window_start_at,
    {{ add_days(dbt.cast(opportunities ~ '.close_date', dbt.type_timestamp()), 1) }} as close_day_end_at
{%- endmacro %}

{#- 'true' when the attribution_scope var credits every contact of the opportunity's account,
    'false' when only the contacts with a role on it (a SQL literal); any other value stops
    the build. The windows and the change detection scope touches by it alike. -#}
{% macro attribution_scope_is_account() -%}
    {%- set scope = var('attribution_scope') -%}
    {%- if scope not in ['account', 'contact_role'] -%}
        {{ exceptions.raise_compiler_error("attribution_scope must be 'account' or 'contact_role', got '" ~ scope ~ "'") }}
    {%- endif -%}
    {{ return('true' if scope == 'account' else 'false') }}
{%- endmacro %}
