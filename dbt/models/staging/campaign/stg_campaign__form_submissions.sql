-- Form fills; the normalised email is what ties an anonymous visitor to a contact.
with

source as (

    -- one row per key: a re-delivered file or overlapping drops must not double count
    {{ latest_record(source('campaign', 'form_submissions'), 'submission_id', order_by_updated_at=false) }}

),

renamed as (

    select
        submission_id,
        anonymous_id,
        lower(trim(email)) as email_normalized,
        submitted_at,
        form_name,
        page_url

    from source

)

select * from renamed
