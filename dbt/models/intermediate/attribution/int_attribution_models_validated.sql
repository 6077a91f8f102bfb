-- The attribution_models seed, refused whole (the build fails, naming each bad row) when a
-- weight is blank or negative, a window is not P or J, or a model has no positive weight.
{{ validated_model_weights(
    'attribution_models',
    ['first_touch_weight', 'lead_creation_weight', 'opportunity_creation_weight', 'closed_won_weight', 'middle_weight'],
    windows=['P', 'J'],
) }}
