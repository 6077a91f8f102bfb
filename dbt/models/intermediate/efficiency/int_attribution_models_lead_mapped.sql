-- For every opportunity attribution model, the lead-level model whose lead, MQL and SQL credit
-- stands in for it in cost per lead/MQL/SQL (the opportunity models cannot credit leads that
-- never became opportunities). A model the lookup seed does not list, such as a custom row
-- added to attribution_models, falls back to lead_creation_touch.
with

models as (

    select * from {{ ref('int_attribution_models_unioned') }}

),

lead_model_lookup as (

    select * from {{ ref('lead_model_for_attribution_model') }}

),

mapped as (

    select
        models.model,
        coalesce(lead_model_lookup.lead_model, 'lead_creation_touch') as lead_model,
        lead_model_lookup.model is null as is_fallback

    from models
    left join lead_model_lookup
        on models.model = lead_model_lookup.model

)

select * from mapped
