-- The lead_attribution_models seed, refused whole (the build fails, naming each bad row) when
-- a weight is blank or negative or a model has no positive weight.
{{ validated_model_weights(
    'lead_attribution_models',
    ['first_touch_weight', 'lead_creation_weight', 'middle_weight'],
) }}
