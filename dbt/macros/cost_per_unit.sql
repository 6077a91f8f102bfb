{#-
    Cost per attributed unit (lead, MQL, SQL, opportunity, won deal, customer):
    amount / units, NULL when units is below var('unit_cost_min_units').
    Attributed units are fractional credit, and tiny ones are common: a time-decay touch weeks
    before the close earns 1e-9 of a deal. Dividing a month's spend by that gives "costs" of
    trillions that mean nothing, so below the floor the cost is unknown (NULL), as at zero.
-#}
{% macro cost_per_unit(amount, units) -%}
    case when {{ units }} >= {{ var('unit_cost_min_units') }} then {{ amount }} / {{ units }} end
{%- endmacro %}
