-- Every opportunity's journey as the data-driven models read it: the touches of its
-- full-journey window (J) in order (touched_at, touchpoint_id) as runs of one channel,
-- `paid_search*2>email*1` (a channel and how many touches it had in a row), and its set of
-- channels, sorted and joined by '|'. The runs are the collapsed path the Markov chain walks
-- and still say how many touches each channel had. One string per journey: the fit (a
-- Dagster asset, dagster_project/lib/data_driven) reads each journey whole, and at 10M
-- touchpoints that is 0.26M rows instead of 12M touches.
-- is_fitting: closed, won or lost, on or after data_driven_fit_from and before
-- data_driven_fit_to (by default, before the as-of day); open deals are credited, not fitted.
{%- set fit_from = var('data_driven_fit_from', none) or '1900-01-01' %}
{%- set fit_to = var('data_driven_fit_to', none) %}
{%- set fit_to_sql = "cast('" ~ fit_to ~ "' as date)" if fit_to else 'cast(' ~ as_of_timestamp() ~ ' as date)' %}

with

journey_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}
    where attribution_window = 'J'

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

channeled as (

    select
        journey_touches.opportunity_id,
        journey_touches.touched_at,
        journey_touches.touchpoint_id,
        touchpoints.channel,
        lag(touchpoints.channel) over (
            partition by journey_touches.opportunity_id
            order by journey_touches.touched_at asc, journey_touches.touchpoint_id asc
        ) as previous_channel

    from journey_touches
    inner join touchpoints
        on journey_touches.touchpoint_id = touchpoints.touchpoint_id

),

run_numbered as (

    select
        opportunity_id,
        channel,
        sum(case when previous_channel = channel then 0 else 1 end) over (
            partition by opportunity_id
            order by touched_at asc, touchpoint_id asc
            rows between unbounded preceding and current row
        ) as run_number

    from channeled

),

runs as (

    select
        opportunity_id,
        run_number,
        channel,
        count(*) as run_touches

    from run_numbered
    group by
        opportunity_id,
        run_number,
        channel

),

journeys as (

    select
        opportunity_id,
        {{ ordered_string_agg(
            dbt.concat(['channel', "'*'", 'cast(run_touches as ' ~ dbt.type_string() ~ ')']),
            'run_number',
            "'>'",
        ) }} as channel_runs

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
        channel_sets.channel_set

    from opportunities
    left join journeys
        on opportunities.opportunity_id = journeys.opportunity_id
    left join channel_sets
        on opportunities.opportunity_id = channel_sets.opportunity_id

)

select * from final
