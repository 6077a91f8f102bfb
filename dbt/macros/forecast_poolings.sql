{#-
    The revenue forecast's pooling ladders, one definition for the model that learns at every
    rung and the model that picks the finest rung with enough history (docs/forecast.md): each
    rung is (name, the columns it keeps); the others read '(any)'.
-#}
{% macro forecast_deal_poolings() -%}
    {{ return([
        ('cell', ['stage_name', 'segment', 'age_band']),
        ('stage_segment', ['stage_name', 'segment']),
        ('stage', ['stage_name']),
        ('all', []),
    ]) }}
{%- endmacro %}

{% macro forecast_prospect_poolings() -%}
    {{ return([
        ('stage_segment', ['prospect_stage', 'segment']),
        ('stage', ['prospect_stage']),
        ('all', []),
    ]) }}
{%- endmacro %}
