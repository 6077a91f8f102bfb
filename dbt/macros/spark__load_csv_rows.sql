{#- Seeds on Spark. dbt-spark 1.11's session mode formats bindings into the SQL text, so an
    empty cell loads as the string 'None' and an apostrophe breaks the statement. This
    override writes escaped literals and real NULLs instead. Found by the DuckDB-vs-Spark
    equality test (tests/test_spark.py). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set tuples = [] -%}
        {%- for row in chunk -%}
            {%- set values = [] -%}
            {%- for col_name in agate_table.column_names -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {%- set value = row[loop.index0] -%}
                {%- if value is none -%}
                    {%- do values.append('cast(null as ' ~ type ~ ')') -%}
                {%- else -%}
                    {%- set text = (value | string).replace('\\', '\\\\').replace("'", "\\'") -%}
                    {%- do values.append("cast('" ~ text ~ "' as " ~ type ~ ")") -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do tuples.append('(' ~ values | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ tuples | join(', ') -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
