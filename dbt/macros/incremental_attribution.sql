{#- Incremental attribution: a build recomputes only the opportunities whose attribution can
    have changed since the last build, and keeps every other opportunity's stored rows.

    What an opportunity's rows depend on, and how a change is seen:
      * its own row (dates, stage, amount in USD, account) and its contact roles: a fingerprint
        per opportunity (int_opportunities_fingerprinted);
      * the touches in its scope and windows, with everything the credit models read of them
        (time, contact, account, channel, campaign, type, marketing flag, lead-creation role):
        a fingerprint per touch (int_touchpoints_fingerprinted); a touch added, removed or
        changed dirties every opportunity whose scope and window hold its old or new version;
      * the as-of time (the end of an open opportunity's full journey): touches between the
        last build's as-of and this one's count as changed;
      * the models, the vars and the SQL of the attribution chain: any difference recomputes
        every opportunity.
    The fingerprints of the last build are kept in three state tables beside the intermediate
    models (attribution_state__touchpoints, __opportunities, __build), written in the same
    transaction as fct_attribution_credits' rows (its post-hook), so the stored rows and the
    state they were computed from never disagree: a build that fails leaves both as they were.
    No state (first build, --full-refresh, another engine) means every opportunity.

    On Spark every build is a full build: dbt-spark's incremental strategies need a table
    format (Delta, Iceberg) the session mode does not have. -#}

{% macro attribution_builds_incrementally() -%}
    {{ return(adapter.dispatch('attribution_builds_incrementally', 'attribution')()) }}
{%- endmacro %}

{% macro default__attribution_builds_incrementally() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro duckdb__attribution_builds_incrementally() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro attribution_credits_materialization() -%}
    {{ return('incremental' if attribution_builds_incrementally() else 'table') }}
{%- endmacro %}

{#- A model's relation found through the graph, not ref(): the models that decide what to
    recompute read fct_attribution_credits' existence without depending on it. -#}
{% macro _attribution_node_relation(name) -%}
    {%- if not execute -%}
        {{ return(api.Relation.create(identifier=name)) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.name == name -%}
            {{ return(api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.alias
            )) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('no model named ' ~ name) }}
{%- endmacro %}

{#- The opportunities this build computes, a relation to select from (aliased where it needs
    one): int_opportunities_changed, or in a
    dbt unit test every opportunity of its fixture (a unit test states one build's rules; what
    a build skips is tested on real builds, tests/test_incremental_attribution.py). -#}
{% macro opportunities_to_compute() -%}
    {%- if compiling_unit_test() -%}
        (select opportunity_id from {{ ref('int_opportunities_converted') }}) as fixture_opportunities
    {%- else -%}
        {{ ref('int_opportunities_changed') }}
    {%- endif -%}
{%- endmacro %}

{#- True while dbt compiles a unit test of the model (rather than the model itself). -#}
{% macro compiling_unit_test() -%}
    {{ return(model is mapping and model.get('resource_type') == 'unit_test') }}
{%- endmacro %}

{#- What fct_attribution_credits' hooks read, as dependencies of the model (no unit test has
    fixtures for them: hooks do not run there). -#}
{% macro attribution_state_dependencies() -%}
    {%- if not compiling_unit_test() -%}
        -- depends_on: {{ ref('int_touchpoints_changed') }}, {{ ref('int_touchpoints_fingerprinted') }},
        -- {{ ref('int_as_of_resolved') }}, {{ ref('int_attribution_models_unioned') }}
    {%- endif -%}
{%- endmacro %}

{#- The state tables, beside int_touchpoints_changed (the intermediate schema: never copied to
    the serving database). -#}
{% macro attribution_state_relation(kind) -%}
    {%- set anchor = _attribution_node_relation('int_touchpoints_changed') -%}
    {{ return(api.Relation.create(
        database=anchor.database, schema=anchor.schema, identifier='attribution_state__' ~ kind
    )) }}
{%- endmacro %}

{#- The last build's state of `kind` to select from, or, when there is none to use, an empty
    relation of the same columns (`like` names the relation the state was recorded from). -#}
{% macro attribution_previous_state(kind, usable, like=none) -%}
    {%- if usable -%}
        {{ attribution_state_relation(kind) }}
    {%- elif kind == 'build' -%}
        (
            select
                '' as code_fingerprint,
                {{ attribution_models_fingerprint() }} as models_fingerprint,
                {{ as_of_timestamp() }} as as_of_at
            where 1 = 0
        )
    {%- else -%}
        (select * from {{ like }} where 1 = 0)
    {%- endif -%}
{%- endmacro %}

{#- True when this build may reuse the stored attribution rows: the engine builds
    incrementally, no --full-refresh, and both the rows and every state table exist. -#}
{% macro attribution_state_usable() -%}
    {%- if not execute or not attribution_builds_incrementally() or flags.FULL_REFRESH -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set credits = _attribution_node_relation('fct_attribution_credits') -%}
    {%- set relations = [credits] -%}
    {%- for kind in ['touchpoints', 'opportunities', 'build'] -%}
        {%- do relations.append(attribution_state_relation(kind)) -%}
    {%- endfor -%}
    {%- for relation in relations -%}
        {%- if adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) is none -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#- A 64-bit fingerprint of a row's values (NULLs included). -#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'attribution')(columns)) }}
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_fingerprint(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{#- An order-free fingerprint of a group's values (a set of contacts, say): bit_xor is an
    aggregate on both engines. -#}
{% macro set_fingerprint(expr) -%}
    bit_xor({{ expr }})
{%- endmacro %}

{#- What the attribution chain computes with, as one string: its vars, and the SQL of its
    models and macros. A change to any of them (an upgrade, a new lookback) recomputes every
    opportunity. The models seed is compared as data (int_opportunities_changed). -#}
{% macro attribution_code_fingerprint() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parts = [
        var('attribution_lookback_days') | string,
        var('attribution_scope') | string,
        var('attribution_half_life_days') | string,
    ] -%}
    {%- set chain = [
        'int_opportunities_converted', 'int_touchpoints_classified',
        'int_lead_creation_touches_identified', 'int_opportunity_touches_windowed',
        'int_opportunity_touches_recomputed',
        'int_attribution_credits_positioned', 'int_attribution_credits_decayed',
        'int_attribution_credits_last_non_direct', 'int_attribution_models_validated',
        'fct_attribution_credits', 'int_touchpoints_fingerprinted',
        'int_opportunities_fingerprinted', 'int_touchpoints_changed', 'int_opportunities_changed',
    ] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type == 'model' and node.name in chain -%}
            {%- do parts.append(node.raw_code) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for used in [
        position_credits, _credited_touch_columns, with_unattributed, credit_type, money_type,
        cents_type, usd_to_cents, exact_window_sum, credits_summing_to_one,
        largest_remainder_classes, apportioned_cents, first_by, last_by, ordered_pick_key,
        add_days, seconds_between, validated_model_weights, opportunity_window_bounds,
        attribution_scope_is_account,
        record_attribution_state, row_fingerprint, set_fingerprint,
    ] -%}
        {%- do parts.append(used.macro.macro_sql) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}

{#- The attribution models (the seed's rows, as validated) as one number: a scalar subquery. -#}
{% macro attribution_models_fingerprint() -%}
    {%- set models = ref('int_attribution_models_validated') -%}
    {%- set columns = ['model'] -%}
    {%- if execute -%}
        {%- set found = adapter.get_columns_in_relation(models) | map(attribute='name') | sort -%}
        {%- set columns = found if found else columns -%}
    {%- endif -%}
    (select {{ set_fingerprint(row_fingerprint(columns)) }} from {{ models }})
{%- endmacro %}

{#- fct_attribution_credits' pre-hook, inside its transaction: remove the rows of every
    opportunity this build recomputes (all of them when the state is not usable). -#}
{% macro delete_recomputed_attribution() -%}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- if not attribution_state_usable() -%}
        delete from {{ this }}
    {%- else -%}
        delete from {{ this }}
        where
            opportunity_id in (select opportunity_id from {{ ref('int_opportunities_changed') }})
            -- fitted on every closed deal, so any change may move every deal's credits
            or model in (
                select model from {{ ref('int_attribution_models_unioned') }}
                where model_kind = 'data_driven'
            )
    {%- endif -%}
{%- endmacro %}

{#- fct_attribution_credits' post-hook, inside its transaction: the fingerprints its rows were
    computed from become the state the next build compares with. -#}
{% macro record_attribution_state() -%}
    {{ return(adapter.dispatch('record_attribution_state', 'attribution')()) }}
{%- endmacro %}

{% macro default__record_attribution_state() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__record_attribution_state() -%}
    {%- set touchpoints = attribution_state_relation('touchpoints') -%}
    {%- set opportunities = attribution_state_relation('opportunities') -%}
    {%- set build = attribution_state_relation('build') -%}
    {%- set touch_columns = 'touchpoint_id, account_id, contact_id, touched_at, touch_fingerprint' -%}
    {%- if attribution_state_usable() -%}
        delete from {{ touchpoints }}
        where touchpoint_id in (select touchpoint_id from {{ ref('int_touchpoints_changed') }});
        insert into {{ touchpoints }}
        select {{ touch_columns }}
        from {{ ref('int_touchpoints_changed') }}
        where version = 'current';
        delete from {{ opportunities }}
        where opportunity_id in (select opportunity_id from {{ ref('int_opportunities_changed') }});
        insert into {{ opportunities }}
        select
            fingerprinted.opportunity_id,
            fingerprinted.opportunity_fingerprint
        from {{ ref('int_opportunities_fingerprinted') }} as fingerprinted
        inner join {{ ref('int_opportunities_changed') }} as changed
            on fingerprinted.opportunity_id = changed.opportunity_id;
        delete from {{ build }};
    {%- else -%}
        create or replace table {{ touchpoints }} as
        select {{ touch_columns }}
        from {{ ref('int_touchpoints_fingerprinted') }};
        create or replace table {{ opportunities }} as
        select
            opportunity_id,
            opportunity_fingerprint
        from {{ ref('int_opportunities_fingerprinted') }};
        create or replace table {{ build }} (
            code_fingerprint varchar,
            models_fingerprint ubigint,
            as_of_at timestamp
        );
    {%- endif %}
        insert into {{ build }}
        select
            '{{ attribution_code_fingerprint() }}',
            {{ attribution_models_fingerprint() }},
            {{ as_of_timestamp() }}
{%- endmacro %}
