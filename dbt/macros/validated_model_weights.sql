{#- The guard of a model-weights seed (attribution_models.csv, lead_attribution_models.csv).

    A blank weight used to drop that role's credit silently, a negative one to give negative
    credit, an unknown window to drop the model. This select returns the seed unchanged when
    every row is sound and otherwise fails the statement, naming the file, the model and every
    problem, e.g. "attribution_models.csv: model 'my_model' has a blank lead_creation_weight".
    The credit models read the seed only through it, so a bad row stops the build before any
    credit is computed. `windows`: the allowed attribution_window values (none: no window column). -#}
{% macro validated_model_weights(seed_name, weight_columns, windows=none) -%}
{%- set prefix = seed_name ~ ".csv: model ''" %}

with

models as (

    select * from {{ ref(seed_name) }}

),

problems as (

    {% for column in weight_columns -%}
        select
            model,
            'has a blank {{ column }}' as problem
        from models
        where {{ column }} is null

        union all

        select
            model,
            'has a negative {{ column }}' as problem
        from models
        where {{ column }} < 0

        union all

    {% endfor -%}
    {%- if windows %}
        select
            model,
            {{ dbt.concat([
                "'has an unknown attribution_window '''",
                "coalesce(attribution_window, '')",
                "''' (allowed: " ~ windows | join(', ') ~ ")'",
            ]) }} as problem
        from models
        where
            attribution_window is null
            or attribution_window not in ({% for window in windows %}'{{ window }}'{% if not loop.last %}, {% endif %}{% endfor %})

        union all

    {% endif -%}
        select
            model,
            'has no positive weight' as problem
        from models
        where not (
            {% for column in weight_columns -%}
                coalesce({{ column }}, 0) > 0{% if not loop.last %} or {% endif %}
            {% endfor -%}
        )

),

messages as (

    select
        {{ dbt.concat(["'" ~ prefix ~ "'", "coalesce(model, '')", "''' '", 'problem']) }} as message

    from problems

),

summary as (

    select
        count(*) as problem_count,
        {{ sorted_string_agg('message', "'; '") }} as all_messages

    from messages

),

validated as (

    select models.*

    from models
    cross join summary
    where
        case
            when summary.problem_count = 0 then true
            else {{ raise_error('summary.all_messages') }}
        end

)

select * from validated
{%- endmacro %}
