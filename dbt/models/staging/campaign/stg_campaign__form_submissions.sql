-- Form fills; the normalised email is what ties an anonymous visitor to a contact.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

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
