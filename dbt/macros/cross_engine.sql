{#- Engine-specific SQL lives here, behind adapter.dispatch, one implementation per engine;
    models call only these and dbt's own cross-database macros. -#}

{#- ts + n days, keeping the time of day and sub-second precision. -#}
{% macro add_days(timestamp_expr, days) -%}
    {{ return(adapter.dispatch('add_days', 'attribution')(timestamp_expr, days)) }}
{%- endmacro %}

{% macro default__add_days(timestamp_expr, days) -%}
    {{ dbt.dateadd('day', days, timestamp_expr) }}
{%- endmacro %}

{% macro spark__add_days(timestamp_expr, days) -%}
    ({{ timestamp_expr }} + make_dt_interval({{ days }}))
{%- endmacro %}

{#- Exact (fractional) seconds from start to end. -#}
{% macro seconds_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('seconds_between', 'attribution')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__seconds_between(start_expr, end_expr) -%}
    ({{ dbt.datediff(start_expr, end_expr, 'microsecond') }} / 1000000.0)
{%- endmacro %}

{% macro spark__seconds_between(start_expr, end_expr) -%}
    (timestampdiff(microsecond, {{ start_expr }}, {{ end_expr }}) / 1000000.0)
{%- endmacro %}

{#- Make the raw Parquet area readable as sources. dbt-duckdb reads it in place through
    each source's meta.external_location, so there is nothing to do; Spark registers one
    external table per source over the same folders (on-run-start): raw_folder/<table>, or
    the table's own raw_table_folder, read recursively when recursive_file_lookup is set
    (the quarantine area nests <family>/<source> folders). -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'attribution')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() -%}
            {%- set folder = source.meta.get('raw_table_folder')
                or source.source_meta['raw_folder'] ~ '/' ~ source.name -%}
            {%- set options = " options (recursiveFileLookup 'true')"
                if source.meta.get('recursive_file_lookup') else '' -%}
            {%- do run_query('create database if not exists ' ~ source.schema) -%}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {#- Declared column types let Spark register a folder nothing has written yet. -#}
            {%- set declared = [] -%}
            {%- for column in source.columns.values() if column.data_type -%}
                {%- do declared.append(column.name ~ ' ' ~ column.data_type) -%}
            {%- endfor -%}
            {%- set columns = ' (' ~ declared | join(', ') ~ ')'
                if declared and declared | length == source.columns | length else '' -%}
            {%- do run_query(
                'create table ' ~ source.schema ~ '.' ~ source.identifier ~ columns
                ~ ' using parquet' ~ options ~ " location '" ~ folder ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- Date arithmetic on DATE values. dbt-spark's dateadd goes through unix seconds and
    to_timestamp, which fails or gives NULL under the profile's TIMESTAMP_NTZ. -#}

{#- Whole days from start_date to end_date: 0 for the same day, negative when end is earlier. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'attribution')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    (cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}

{#- The date n months after date_expr (n may be an expression), as a DATE. -#}
{% macro add_months_to_date(date_expr, months) -%}
    {{ return(adapter.dispatch('add_months_to_date', 'attribution')(date_expr, months)) }}
{%- endmacro %}

{% macro default__add_months_to_date(date_expr, months) -%}
    cast({{ dbt.dateadd('month', months, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_months_to_date(date_expr, months) -%}
    add_months(cast({{ date_expr }} as date), cast({{ months }} as int))
{%- endmacro %}

{#- The date n days after date_expr (n an integer literal or expression), as a DATE. -#}
{% macro add_days_to_date(date_expr, days) -%}
    {{ return(adapter.dispatch('add_days_to_date', 'attribution')(date_expr, days)) }}
{%- endmacro %}

{% macro default__add_days_to_date(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_days_to_date(date_expr, days) -%}
    date_add(cast({{ date_expr }} as date), cast({{ days }} as int))
{%- endmacro %}

{#- Continuous percentile (linear interpolation between the two nearest ranks, as in
    PERCENTILE_CONT): the same value on every engine. DuckDB spells it quantile_cont, Spark
    percentile; both interpolate linearly, so e.g. 1, 2, 3, 10 give a median of 2.5 and a p75 of 4.75.
    An aggregate: use it in a grouped select. -#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'attribution')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expr, fraction) -%}
    quantile_cont(cast({{ expr }} as double), {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_cont(expr, fraction) -%}
    percentile(cast({{ expr }} as double), {{ fraction }})
{%- endmacro %}

{#- An aggregate: every non-NULL value of expr, sorted, joined by delimiter (a string
    literal): the same text on every engine (dbt's listagg cannot order on Spark). -#}
{% macro sorted_string_agg(expr, delimiter) -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'attribution')(expr, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expr, delimiter) -%}
    string_agg({{ expr }}, {{ delimiter }} order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_string_agg(expr, delimiter) -%}
    array_join(array_sort(collect_list({{ expr }})), {{ delimiter }})
{%- endmacro %}

{#- An aggregate: every value of expr joined by delimiter (a string literal) in the order of
    order_expr (unique within the group), the same text on every engine. -#}
{% macro ordered_string_agg(expr, order_expr, delimiter) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'attribution')(expr, order_expr, delimiter)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expr, order_expr, delimiter) -%}
    string_agg({{ expr }}, {{ delimiter }} order by {{ order_expr }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expr, order_expr, delimiter) -%}
    array_join(
        transform(
            array_sort(collect_list(named_struct('k', {{ order_expr }}, 'v', {{ expr }}))),
            entry -> entry.v
        ),
        {{ delimiter }}
    )
{%- endmacro %}

{#- Fail the statement with message_expr (a string expression) as the error, when evaluated:
    put it in a CASE branch that only bad rows reach. -#}
{% macro raise_error(message_expr) -%}
    {{ return(adapter.dispatch('raise_error', 'attribution')(message_expr)) }}
{%- endmacro %}

{% macro default__raise_error(message_expr) -%}
    error({{ message_expr }})
{%- endmacro %}

{% macro spark__raise_error(message_expr) -%}
    raise_error({{ message_expr }})
{%- endmacro %}

{#- The `value` of the row that sorts first (first_by) or last (last_by) by the `order_by`
    columns, among the rows where `condition` holds; NULL when none does. An aggregate: one
    hash pass over the group, where a window row_number() = 1 sorts every partition. The
    last order column must break ties (a unique id). -#}
{% macro first_by(value, order_by, condition=none) -%}
    {{ return(adapter.dispatch('ordered_pick', 'attribution')('min', value, order_by, condition)) }}
{%- endmacro %}

{% macro last_by(value, order_by, condition=none) -%}
    {{ return(adapter.dispatch('ordered_pick', 'attribution')('max', value, order_by, condition)) }}
{%- endmacro %}

{#- The sort key: a row of the order columns, NULL (so skipped) where `condition` fails. -#}
{% macro ordered_pick_key(constructor, order_by, condition) -%}
    {%- set key = constructor ~ '(' ~ order_by | join(', ') ~ ')' -%}
    {{ key if condition is none else 'case when ' ~ condition ~ ' then ' ~ key ~ ' end' }}
{%- endmacro %}

{#- DuckDB's arg_min/arg_max skip the rows whose value is NULL and return another row's; the
    _null forms return the picked row's value, NULL or not, as Spark's min_by/max_by do. -#}
{% macro default__ordered_pick(direction, value, order_by, condition) -%}
    arg_{{ direction }}_null({{ value }}, {{ ordered_pick_key('row', order_by, condition) }})
{%- endmacro %}

{% macro spark__ordered_pick(direction, value, order_by, condition) -%}
    {{ direction }}_by({{ value }}, {{ ordered_pick_key('struct', order_by, condition) }})
{%- endmacro %}

{#- How fct_attribution, the attribution rows with each touch's details, is materialised: a
    view over the stored rows and fct_touchpoints where the serving copy is a copy of the
    warehouse file (DuckDB), a table where publishing reads each public table's own files
    (Spark writes a view no files). -#}
{% macro attribution_rows_materialization() -%}
    {{ return(adapter.dispatch('attribution_rows_materialization', 'attribution')()) }}
{%- endmacro %}

{% macro default__attribution_rows_materialization() -%}
    {{ return('view') }}
{%- endmacro %}

{% macro spark__attribution_rows_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- Hooks around the one statement that builds the attribution rows (fct_attribution_credits).
    On DuckDB it runs on one thread when the touchpoints reach the var
    attribution_single_thread_from_touchpoints: with two, the statement's hash tables and
    windows are built side by side, and on an earlier shape of the model that ran out of the
    6 GB cap at 50M touchpoints where one thread fitted. Below it, two threads: at 10M
    touchpoints the statement took 51 s on two threads and 102 s on one, and two fitted a 1 GB
    cap (spilling; 4.9 GB peak under 6 GB). The setting is the database's, so it is put back
    after. The hooks are rendered when the model runs (the count needs the built touchpoints).
    Spark plans its own memory: nothing. -#}
{% macro one_thread_hook(phase) -%}
    {{ return(adapter.dispatch('one_thread_hook', 'attribution')(phase)) }}
{%- endmacro %}

{% macro default__one_thread_hook(phase) -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__one_thread_hook(phase) -%}
    {%- if phase != 'pre' -%}
        {{ return('reset threads') }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set touchpoints = run_query(
        'select count(*) from ' ~ ref('int_touchpoints_classified')
    ).columns[0].values()[0] -%}
    {%- if touchpoints >= var('attribution_single_thread_from_touchpoints') | int -%}
        {{ return('set threads = 1') }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
