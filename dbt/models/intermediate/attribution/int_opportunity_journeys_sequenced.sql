-- Every opportunity's journey as the data-driven models read it: the runs of its full-journey
-- window (J, int_journey_runs_collapsed) as `paid_search*2>email*1` (a channel and how many
-- touches it had in a row; what an analyst reads to audit a journey), the collapsed path
-- `paid_search>email` (what the Markov chain walks) and the set of its channels, sorted and
-- joined by '|' (what the Shapley values depend on and the credits look up).
-- is_fitting: closed, won or lost, on or after data_driven_fit_from and before
-- data_driven_fit_to (by default, before the as-of day); open deals are credited, not fitted.
{%- set fit_from = var('data_driven_fit_from', none) or '1900-01-01' %}
{%- set fit_to = var('data_driven_fit_to', none) %}
{%- set fit_to_sql = "cast('" ~ fit_to ~ "' as date)" if fit_to else 'cast(' ~ as_of_timestamp() ~ ' as date)' %}

with

runs as (

    select * from {{ ref('int_journey_runs_collapsed') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

journeys as (

    select
        opportunity_id,
        {{ ordered_string_agg(
            dbt.concat(['channel', "'*'", 'cast(run_touches as ' ~ dbt.type_string() ~ ')']),
            'run_number',
            "'>'",
        ) }} as channel_runs,
        {{ ordered_string_agg('channel', 'run_number', "'>'") }} as channel_path

    from runs
    group by opportunity_id

),

channel_sets as (

    select
        opportunity_id,
        {{ sorted_string_agg('channel', "'|'") }} as channel_set

    from (
        select distinct
            opportunity_id,
            channel

        from runs
    ) as journey_channels
    group by opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.close_date,
        opportunities.amount_usd,
        coalesce(
            opportunities.is_closed
            and opportunities.close_date >= cast('{{ fit_from }}' as date)
            and opportunities.close_date < {{ fit_to_sql }},
            false
        ) as is_fitting,
        journeys.channel_runs,
        journeys.channel_path,
        channel_sets.channel_set

    from opportunities
    left join journeys
        on opportunities.opportunity_id = journeys.opportunity_id
    left join channel_sets
        on opportunities.opportunity_id = channel_sets.opportunity_id

)

select * from final
