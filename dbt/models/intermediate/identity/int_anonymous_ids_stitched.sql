-- One contact per anonymous visitor: an anonymous_id that ever submitted a form with a
-- contact's email belongs to that contact, for all of its sessions, earlier ones too.
-- If one browser submitted the emails of several contacts, its first such form fill decides.
with

identified_submissions as (

    select * from {{ ref('int_form_submissions_identified') }}

),

ranked as (

    select
        anonymous_id,
        contact_id,
        submitted_at,
        submission_id,
        row_number() over (
            partition by anonymous_id
            order by submitted_at asc, submission_id asc
        ) as match_rank

    from identified_submissions

),

stitched as (

    select
        anonymous_id,
        contact_id,
        submitted_at as stitched_at,
        submission_id as stitched_by_submission_id

    from ranked
    where match_rank = 1

)

select * from stitched
