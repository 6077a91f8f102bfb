-- Form fills whose email matches a contact (case-insensitive, trimmed). When two contacts
-- share an email, the earliest created (then lowest contact_id) owns it, so the match is stable.
with

form_submissions as (

    select * from {{ ref('stg_campaign__form_submissions') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

email_owners as (

    select
        email_normalized,
        contact_id,
        row_number() over (
            partition by email_normalized
            order by created_at asc, contact_id asc
        ) as owner_rank

    from contacts

),

identified as (

    select
        form_submissions.submission_id,
        form_submissions.anonymous_id,
        email_owners.contact_id,
        form_submissions.submitted_at,
        form_submissions.form_name

    from form_submissions
    inner join email_owners
        on
            form_submissions.email_normalized = email_owners.email_normalized
            and email_owners.owner_rank = 1

)

select * from identified
