-- Form fills; the normalised email is what ties an anonymous visitor to a contact.
with

source as (

    select * from {{ source('campaign', 'form_submissions') }}

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
