{#- Credits and money as DECIMALs, so their sums are exact and equal on every engine.

    credit_type: 12 decimals. money_type: USD cents. A credit times an amount in cents is a
    DECIMAL(33,12) on Spark (p1 + p2 + 1), below the 38 digits beyond which Spark drops scale,
    so every product and sum of them is exact on both engines (fct_attribution). -#}
{% macro credit_type() -%}
    decimal(13, 12)
{%- endmacro %}

{% macro money_type() -%}
    decimal(18, 2)
{%- endmacro %}

{#- amount x rate in USD cents: the amount (to 4 decimals) times the rate (to 14 decimals), in
    DECIMAL, rounded half up to the cent. Converting first makes the product exact, so both
    engines round the same number (doubles would differ in the last bit at a half cent).
    NULL when the rate is. -#}
{% macro usd_cents(amount_expr, rate_expr) -%}
    cast(round(
        cast({{ amount_expr }} as decimal(18, 4)) * cast({{ rate_expr }} as decimal(19, 14)),
        2
    ) as {{ money_type() }})
{%- endmacro %}

{#- The sum of a double `expr` (values of at most a few units, as weights are) over the
    partition, as a double that is the same on every run and engine: the terms are summed as
    DECIMAL(38, 30), exactly, so the order in which threads add them cannot move the last
    bits, which rounding a share to 12 places could otherwise turn into a different credit
    between two builds of the same data (seen for time_decay at 1M touchpoints: 14 of 928k
    credits differed by 1e-12 between two runs). -#}
{% macro exact_window_sum(expr, partition_by) -%}
    cast(sum(cast({{ expr }} as decimal(38, 30))) over (partition by {{ partition_by }}) as double)
{%- endmacro %}

{#- The sum of a double `expr` of money or money squared (up to about 1e17) over a group, the
    same on every run and engine: the terms are summed as DECIMAL(38, 10), exactly, so the order
    in which threads add them cannot move the last bits (two builds of the same data gave
    forecast sums 1e-10 apart). -#}
{% macro exact_sum(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 10))) as double)
{%- endmacro %}

{#- Credits that sum to exactly 1, at any journey length.

    Returns a relation (a parenthesised subquery the calling model names itself, e.g.
    `credited as (select * from {{ credits_summing_to_one('shared', 'opportunity_id') }} as
    rounded)`): every row of `shares` (a relation with the `partition_by` columns, touched_at,
    touchpoint_id and a double `share`, the row's exact share of its partition) plus
      rounded_credit, partition_rounded_credit, credit_rank (the steps below), and
      credit            = round(share, 12) as credit_type(), except on the anchor, which takes
                          1 - the sum of the others' credits (rounded-to-0 rows included, so a
                          caller may drop them afterwards);
      is_residue_anchor = the row holding the residue: the largest rounded credit, ties to the
                          earliest touch (touched_at, then touchpoint_id).
    Rounding each of n shares moves the sum by up to n x 5e-13 (1 + 1e-9 at 2,002 touches); the
    anchor absorbs it, so every engine publishes the same credits and they sum to 1 exactly.
    `touch_count` names a column when a row stands for that many touches with the same share
    (position_credits' groups, touched_at and touchpoint_id then being their earliest touch's):
    the sum counts each row that many times, and the anchor is that earliest touch, whose
    credit the caller takes from the row's `credit` (the others' is `rounded_credit`). -#}
{% macro credits_summing_to_one(shares, partition_by, touch_count=none) -%}
{%- set credits_rounded -%}
(
    select
        shares.*,
        cast(round(share, 12) as {{ credit_type() }}) as rounded_credit

    from {{ shares }} as shares
)
{%- endset -%}
{%- set credits_ranked -%}
(
    select
        credits_rounded.*,
        -- Bounded like a sum of credits (about 1): on Spark a credit times a count sums to
        -- DECIMAL(38,12), and arithmetic beyond 38 digits there drops scale, which would round
        -- every credit to 10 places.
        cast(
            sum(
                rounded_credit{% if touch_count is not none %} * {{ touch_count }}{% endif %}
            ) over (partition by {{ partition_by }})
            as decimal(23, 12)
        ) as partition_rounded_credit,
        row_number() over (
            partition by {{ partition_by }}
            order by rounded_credit desc, touched_at asc, touchpoint_id asc
        ) as credit_rank

    from {{ credits_rounded }} as credits_rounded
)
{%- endset -%}
(
    select
        credits_ranked.*,
        credit_rank = 1 as is_residue_anchor,
        cast(
            case
                when credit_rank = 1 then 1 - (partition_rounded_credit - rounded_credit)
                else rounded_credit
            end as {{ credit_type() }}
        ) as credit

    from {{ credits_ranked }} as credits_ranked
)
{%- endmacro %}

{#- Whole cents, the unit money is apportioned in: an amount in cents or a row's share of it. -#}
{% macro cents_type() -%}
    decimal(19, 0)
{%- endmacro %}

{% macro usd_to_cents(usd_expr) -%}
    cast({{ usd_expr }} * 100 as {{ cents_type() }})
{%- endmacro %}

{#- Money by largest remainder, worked out on classes of rows rather than on the rows.

    Every row of a deal (a `partition_by` partition, e.g. opportunity and model) gets its
    credit x amount_cents rounded down to the cent; the cents that leaves over go one each to
    the rows with the largest remainders. Rows with the same credit have the same remainder,
    so the rule needs the rows themselves only to break ties, and a class of such rows can
    stand for all of them: `classes` names a relation with one row per class and the columns
    `partition_by`, amount_cents, credit, class_size (rows it stands for) and whatever
    `order_by` names, the order ties are broken in between classes of equal remainder (the
    last column unique within a partition). Within a class, ties go by the row's position
    (1 = first). Returns every column of `classes` plus
      floor_cents = credit x amount_cents rounded down;
      cent_cutoff = how many of the class's rows, from position 1, get a leftover cent: the
                    cents left (amount_cents less every row's floor_cents in the partition)
                    less the rows ahead of the class (larger remainders, then equal ones of
                    classes earlier in `order_by`); 0 or below: none.
    A row in position p of its class then holds `apportioned_cents(floor_cents, p,
    cent_cutoff)`. NULL throughout when amount_cents is.

    Why classes: one deal's cents used to be ranked row by row, a sort of every attribution
    row (375M at 50M touchpoints, whose spill filled the disk); the classes are a few per deal
    and model for the position-based models. -#}
{% macro largest_remainder_classes(classes, partition_by, order_by) -%}
(
    select
        with_floor.*,
        with_floor.amount_cents
        - sum(with_floor.class_size * with_floor.floor_cents) over (partition by {{ partition_by }})
        - coalesce(
            sum(with_floor.class_size) over (
                partition by {{ partition_by }}
                order by with_floor.remainder_cents desc, {{ order_by }}
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as cent_cutoff

    from (
        select
            classes.*,
            floor(classes.credit * classes.amount_cents) as floor_cents,
            classes.credit * classes.amount_cents
            - floor(classes.credit * classes.amount_cents) as remainder_cents

        from {{ classes }} as classes
    ) as with_floor
)
{%- endmacro %}

{% macro apportioned_cents(floor_cents, position, cent_cutoff) -%}
    cast(
        {{ floor_cents }} + case when {{ position }} <= {{ cent_cutoff }} then 1 else 0 end
        as {{ cents_type() }}
    )
{%- endmacro %}

{#- The cents of credits in which every touch is a class of its own (time_decay, markov,
    shapley: credits rarely tie there): `credited` names a relation of the credit models'
    rows (opportunity_id, model, touchpoint_id, touched_at, the four role flags, credit,
    is_residue_anchor, amount_cents); rows with credit 0 are dropped. Ties between equal
    remainders go to touches holding a role, then to the earliest, as for the position
    models. Returns a relation with the credit models' columns, then pipeline_cents, then the
    columns of `credited` that `carry` names (the data-driven credits bring their touch's
    details, so their rows need no second join to the touchpoints). -#}
{% macro touch_credits_in_cents(credited, partition_by, carry=[]) -%}
(
    select
        apportioned.opportunity_id,
        apportioned.model,
        apportioned.touchpoint_id,
        apportioned.touched_at,
        apportioned.is_first_touch,
        apportioned.is_lead_creation_touch,
        apportioned.is_opportunity_creation_touch,
        apportioned.is_closed_won_touch,
        apportioned.credit,
        apportioned.is_residue_anchor,
        {{ apportioned_cents('apportioned.floor_cents', '1', 'apportioned.cent_cutoff') }} as pipeline_cents
        {%- for column in carry %},
        apportioned.{{ column }}
        {%- endfor %}

    from {{ largest_remainder_classes(
        '(select credited.*, 1 as class_size, credited.is_first_touch'
        ~ ' or credited.is_lead_creation_touch or credited.is_opportunity_creation_touch'
        ~ ' or credited.is_closed_won_touch as has_role from ' ~ credited
        ~ ' as credited where credited.credit > 0)',
        partition_by,
        'has_role desc, touched_at asc, touchpoint_id asc',
    ) }} as apportioned
)
{%- endmacro %}
