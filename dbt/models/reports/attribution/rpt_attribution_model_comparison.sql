-- How much the answer depends on the model: attributed revenue and pipeline of every
-- channel under every model side by side, each channel's share of the model's total, and
-- the spread of that share across models. A channel a model never credits shows as 0.
with

attribution as (

    select * from {{ ref('fct_attribution_credits') }}

),

models as (

    select model from {{ ref('dim_attribution_models') }}

),

channels as (

    select distinct channel from attribution

),

attributed as (

    select
        model,
        channel,
        sum(attributed_revenue_usd) as attributed_revenue_usd,
        sum(attributed_pipeline_usd) as attributed_pipeline_usd

    from attribution
    group by 1, 2

),

grid as (

    select
        channels.channel,
        models.model,
        coalesce(attributed.attributed_revenue_usd, 0) as attributed_revenue_usd,
        coalesce(attributed.attributed_pipeline_usd, 0) as attributed_pipeline_usd

    from channels
    cross join models
    left join attributed
        on
            channels.channel = attributed.channel
            and models.model = attributed.model

),

shared as (

    select
        grid.*,
        -- Shares as doubles: a DECIMAL quotient would keep 6 places on Spark.
        cast(grid.attributed_revenue_usd as double)
        / nullif(sum(grid.attributed_revenue_usd) over (partition by grid.model), 0) as revenue_share,
        cast(grid.attributed_pipeline_usd as double)
        / nullif(sum(grid.attributed_pipeline_usd) over (partition by grid.model), 0) as pipeline_share

    from grid

),

compared as (

    select
        shared.*,
        min(shared.revenue_share) over (partition by shared.channel) as min_revenue_share,
        max(shared.revenue_share) over (partition by shared.channel) as max_revenue_share,
        max(shared.revenue_share) over (partition by shared.channel)
        - min(shared.revenue_share) over (partition by shared.channel) as revenue_share_spread,
        rank() over (partition by shared.model order by shared.attributed_revenue_usd desc) as revenue_rank

    from shared

),

final as (

    select
        {{ dbt.concat(['channel', "'|'", 'model']) }} as report_row_id,
        compared.*

    from compared

)

select * from final
