{#-
    Return and unit-cost columns of an efficiency report, from a relation (CTE) that carries
    spend_usd, attributed_revenue_usd and the attributed units. One definition for the channel
    and the campaign ROI reports, so the two cannot drift apart.
-#}
{% macro efficiency_ratios(relation) -%}
    {{ relation }}.attributed_revenue_usd / nullif({{ relation }}.spend_usd, 0) as roas,
    ({{ relation }}.attributed_revenue_usd - {{ relation }}.spend_usd) / nullif({{ relation }}.spend_usd, 0) as roi,
    {%- for unit, column in [
        ('leads', 'cost_per_lead_usd'),
        ('mqls', 'cost_per_mql_usd'),
        ('sqls', 'cost_per_sql_usd'),
        ('opportunities', 'cost_per_opportunity_usd'),
        ('won_deals', 'cost_per_won_deal_usd'),
        ('new_customers', 'cac_usd'),
    ] %}
    {{ cost_per_unit(relation ~ '.spend_usd', relation ~ '.attributed_' ~ unit) }} as {{ column }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
