-- The data-driven fit's settings as one row, from the dbt vars: the Dagster asset that fits the
-- models reads them here, so they are set in one place (dbt_project.yml or --vars) for both.
select
    cast({{ var('data_driven_regularisation_c') }} as double) as regularisation_c,
    cast({{ var('data_driven_bootstrap_resamples') }} as integer) as bootstrap_resamples,
    cast({{ var('data_driven_bootstrap_seed') }} as bigint) as bootstrap_seed
