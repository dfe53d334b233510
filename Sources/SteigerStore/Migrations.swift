import Foundation
import Logging

/// One step of the schema's history. Steps are never edited once released; a change is a new step.
public struct Migration: Sendable {
    /// Position in the history, from 1.
    public var version: Int
    /// What the step does.
    public var name: String
    /// The statements, the same on both engines.
    public var statements: [SQLStatement]
}

/// The schema's history, oldest first.
///
/// Both engines get the same statements: identifiers are UUID text, times are BIGINT
/// milliseconds since 1970, flags are BIGINT 0/1, structured values (rubrics, ladders) are JSON
/// text, so every query can be written once.
public enum Schema {
    /// Every migration Steiger knows.
    public static let migrations: [Migration] = [
        Migration(
            version: 1, name: "accounts, cohorts, exercises, submissions",
            statements: [
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    roles TEXT NOT NULL,
                    disabled BIGINT NOT NULL DEFAULT 0,
                    password_hash TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX users_created ON users (created_at, id)",
                """
                CREATE TABLE cohorts (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    description TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX cohorts_created ON cohorts (created_at, id)",
                """
                CREATE TABLE memberships (
                    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    part TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (cohort_id, user_id)
                )
                """,
                "CREATE INDEX memberships_user ON memberships (user_id, cohort_id)",
                """
                CREATE TABLE exercises (
                    id TEXT PRIMARY KEY,
                    title TEXT NOT NULL,
                    instructions TEXT NOT NULL,
                    skill_key TEXT NOT NULL,
                    rubric TEXT NOT NULL,
                    ladder TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX exercises_created ON exercises (created_at, id)",
                """
                CREATE TABLE exercise_cohorts (
                    exercise_id TEXT NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
                    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
                    PRIMARY KEY (exercise_id, cohort_id)
                )
                """,
                "CREATE INDEX exercise_cohorts_cohort ON exercise_cohorts (cohort_id, exercise_id)",
                """
                CREATE TABLE submissions (
                    id TEXT PRIMARY KEY,
                    learner_id TEXT NOT NULL REFERENCES users (id),
                    exercise_id TEXT NOT NULL REFERENCES exercises (id),
                    attempt BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    scaffold_level BIGINT NOT NULL,
                    failure_reason TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (learner_id, exercise_id, attempt)
                )
                """,
                "CREATE INDEX submissions_created ON submissions (created_at, id)",
                "CREATE INDEX submissions_exercise ON submissions (exercise_id, created_at)",
                """
                CREATE TABLE submission_shares (
                    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    PRIMARY KEY (submission_id, user_id)
                )
                """,
                "CREATE INDEX submission_shares_user ON submission_shares (user_id, submission_id)",
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    address TEXT,
                    user_agent TEXT
                )
                """,
                "CREATE INDEX sessions_user ON sessions (user_id)",
                """
                CREATE TABLE api_tokens (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT,
                    last_used_at BIGINT,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at)",
            ]),
        Migration(
            version: 2, name: "uploads, media of submissions, the job queue",
            statements: [
                """
                CREATE TABLE uploads (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    exercise_id TEXT NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
                    file_name TEXT NOT NULL,
                    length BIGINT NOT NULL,
                    received BIGINT NOT NULL DEFAULT 0,
                    metadata TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    sha256 TEXT,
                    submission_id TEXT
                )
                """,
                "CREATE INDEX uploads_user ON uploads (user_id)",
                "CREATE INDEX uploads_expires ON uploads (expires_at)",
                """
                CREATE TABLE submission_media (
                    submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
                    original_sha256 TEXT NOT NULL,
                    original_size BIGINT NOT NULL,
                    file_name TEXT NOT NULL,
                    info TEXT,
                    rendition_sha256 TEXT,
                    rendition_type TEXT,
                    poster_sha256 TEXT,
                    storyboard TEXT,
                    warnings TEXT NOT NULL DEFAULT '[]',
                    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                    step TEXT,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    max_attempts BIGINT NOT NULL,
                    run_after BIGINT NOT NULL,
                    lease_owner TEXT,
                    lease_expires BIGINT,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    finished_at BIGINT
                )
                """,
                "CREATE INDEX jobs_queued ON jobs (status, run_after, created_at)",
                "CREATE INDEX jobs_leases ON jobs (status, lease_expires)",
            ]),
        Migration(
            version: 3, name: "review tasks",
            statements: [
                """
                CREATE TABLE review_tasks (
                    id TEXT PRIMARY KEY,
                    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    assignee TEXT REFERENCES users (id),
                    due_at BIGINT,
                    lease_expires BIGINT,
                    reviews_so_far BIGINT NOT NULL DEFAULT 0,
                    due_sort BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    done_at BIGINT
                )
                """,
                // The queue's order as an index: due time (none last, as due_sort), fewest reviews, oldest.
                "CREATE INDEX review_tasks_pool ON review_tasks (kind, status, cohort_id, due_sort, reviews_so_far, created_at, id)",
                "CREATE INDEX review_tasks_leases ON review_tasks (kind, status, lease_expires)",
                "CREATE INDEX review_tasks_submission ON review_tasks (submission_id)",
                "CREATE INDEX review_tasks_assignee ON review_tasks (assignee, status)",
                """
                CREATE TABLE annotations (
                    id TEXT PRIMARY KEY,
                    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                    author_id TEXT NOT NULL REFERENCES users (id),
                    parent_id TEXT REFERENCES annotations (id),
                    at_ms BIGINT,
                    to_ms BIGINT,
                    text TEXT NOT NULL,
                    tag TEXT,
                    criterion TEXT,
                    created_at BIGINT NOT NULL,
                    edited_at BIGINT,
                    deleted_at BIGINT
                )
                """,
                "CREATE INDEX annotations_submission ON annotations (submission_id, at_ms, created_at)",
                """
                CREATE TABLE annotation_versions (
                    annotation_id TEXT NOT NULL REFERENCES annotations (id) ON DELETE CASCADE,
                    version BIGINT NOT NULL,
                    text TEXT NOT NULL,
                    replaced_at BIGINT NOT NULL,
                    PRIMARY KEY (annotation_id, version)
                )
                """,
                """
                CREATE TABLE reviews (
                    id TEXT PRIMARY KEY,
                    task_id TEXT NOT NULL UNIQUE REFERENCES review_tasks (id),
                    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                    reviewer_id TEXT NOT NULL REFERENCES users (id),
                    kind TEXT NOT NULL,
                    scores TEXT NOT NULL,
                    comment TEXT NOT NULL,
                    total DOUBLE PRECISION NOT NULL,
                    lowest DOUBLE PRECISION NOT NULL,
                    result TEXT NOT NULL,
                    submitted_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX reviews_submission ON reviews (submission_id, submitted_at)",
                """
                CREATE TABLE domain_events (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    handled_at BIGINT
                )
                """,
                "CREATE INDEX domain_events_pending ON domain_events (handled_at, created_at)",
                "ALTER TABLE exercises ADD COLUMN review_settings TEXT NOT NULL DEFAULT '{}'",
            ]),
        Migration(
            version: 4, name: "scaffolding log and levels",
            statements: [
                "ALTER TABLE exercises ADD COLUMN scaffold_policy TEXT NOT NULL DEFAULT '{}'",
                "ALTER TABLE exercises ADD COLUMN policy_version BIGINT NOT NULL DEFAULT 1",
                "ALTER TABLE uploads ADD COLUMN scaffold_level BIGINT",
                // The append-only log per learner and skill; payload holds the event as recorded
                // (levels, ladder height, policy and version), so replays never depend on later edits.
                // No foreign key to exercises: the log outlives an exercise deleted after an override.
                """
                CREATE TABLE scaffold_events (
                    id TEXT PRIMARY KEY,
                    learner_id TEXT NOT NULL REFERENCES users (id),
                    skill_key TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    kind TEXT NOT NULL,
                    exercise_id TEXT NOT NULL,
                    submission_id TEXT,
                    payload TEXT NOT NULL,
                    occurred_at BIGINT NOT NULL,
                    UNIQUE (learner_id, skill_key, seq)
                )
                """,
                "CREATE INDEX scaffold_events_submission ON scaffold_events (submission_id)",
                // The log's replayed result, rewritten with every event, for lists and new attempts.
                """
                CREATE TABLE scaffold_states (
                    learner_id TEXT NOT NULL REFERENCES users (id),
                    skill_key TEXT NOT NULL,
                    level BIGINT,
                    flagged BIGINT NOT NULL DEFAULT 0,
                    check_due_at BIGINT,
                    check_passed_at BIGINT,
                    last_transition TEXT,
                    events BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (learner_id, skill_key)
                )
                """,
            ]),
        Migration(
            version: 5, name: "each person's language",
            statements: [
                // NULL: the browser's Accept-Language decides, else the server's default language.
                "ALTER TABLE users ADD COLUMN language TEXT"
            ]),
        Migration(
            version: 6, name: "the outbox of domain events and its consumers",
            statements: [
                // Positions are given out one after another under a lock held to the commit, so a
                // consumer reading past its cursor never skips an event that commits later.
                """
                CREATE TABLE outbox_events (
                    position BIGINT PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    occurred_at BIGINT NOT NULL,
                    actor_id TEXT,
                    subjects TEXT NOT NULL,
                    data TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE outbox_consumers (
                    name TEXT PRIMARY KEY,
                    position BIGINT NOT NULL,
                    lease_owner TEXT,
                    lease_expires BIGINT,
                    updated_at BIGINT NOT NULL
                )
                """,
                // The reviews recorded by the first, never-read events table become the outbox's first events.
                """
                INSERT INTO outbox_events (position, id, type, version, occurred_at, actor_id, subjects, data)
                SELECT ROW_NUMBER() OVER (ORDER BY created_at, id), id, 'review.submitted', 1, created_at, NULL, payload, '{}' FROM domain_events
                """,
                "DROP TABLE domain_events",
                // Deadline events are raised once per task.
                "ALTER TABLE review_tasks ADD COLUMN due_soon_noted BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE review_tasks ADD COLUMN overdue_noted BIGINT NOT NULL DEFAULT 0",
            ]),
        Migration(
            version: 7, name: "webhook endpoints, deliveries and their attempts",
            statements: [
                """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY,
                    url TEXT NOT NULL,
                    event_types TEXT NOT NULL,
                    description TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    enabled BIGINT NOT NULL,
                    disabled_reason TEXT,
                    failing_since BIGINT,
                    created_by TEXT REFERENCES users (id),
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                // One row per event and endpoint: never two deliveries of one event to one endpoint.
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
                    event_id TEXT NOT NULL,
                    event_position BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    first_attempt_at BIGINT,
                    delivered_at BIGINT,
                    lease_owner TEXT,
                    lease_expires BIGINT,
                    created_at BIGINT NOT NULL,
                    UNIQUE (endpoint_id, event_id)
                )
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
                "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, event_position)",
                """
                CREATE TABLE webhook_attempts (
                    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
                    number BIGINT NOT NULL,
                    started_at BIGINT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    status_code BIGINT,
                    error TEXT,
                    response TEXT,
                    PRIMARY KEY (delivery_id, number)
                )
                """,
            ]),
        Migration(
            version: 8, name: "the writer of an upload, claimed in the database",
            statements: [
                // One writer per upload across every server process: a claim with an expiry, renewed
                // while bytes arrive, so a writer that died gives the upload back by itself.
                "ALTER TABLE uploads ADD COLUMN writer TEXT",
                "ALTER TABLE uploads ADD COLUMN writer_expires BIGINT",
            ]),
        Migration(
            version: 9, name: "the service's own keys",
            statements: [
                // Keys every server process shares (signing the sign-in form's token), made once.
                """
                CREATE TABLE server_keys (
                    name TEXT PRIMARY KEY,
                    secret TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """
            ]),
        Migration(
            version: 10, name: "whose a job is, for sharing the workers fairly",
            statements: [
                // The learner a job works for: no one holds more than their share of the workers.
                "ALTER TABLE jobs ADD COLUMN fair_key TEXT",
                "CREATE INDEX jobs_running_key ON jobs (fair_key, status)",
            ]),
        Migration(
            version: 11, name: "credentials under the rules of disabling and token lifetimes; unfinished uploads found fast",
            statements: [
                // Disabling an account now ends its sessions and tokens for good: accounts disabled before as well.
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE disabled = 1)",
                """
                UPDATE api_tokens SET revoked_at = (SELECT users.updated_at FROM users WHERE users.id = api_tokens.user_id)
                WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE disabled = 1)
                """,
                // A token lives at most a year: those made to last for ever end a year after they were made.
                "UPDATE api_tokens SET expires_at = created_at + 31536000000 WHERE expires_at IS NULL OR expires_at > created_at + 31536000000",
                "CREATE INDEX uploads_unfinished ON uploads (submission_id, expires_at)",
            ]),
        Migration(
            version: 12, name: "notices to people, their choices and time zones",
            statements: [
                """
                CREATE TABLE notices (
                    id TEXT PRIMARY KEY,
                    recipient TEXT NOT NULL REFERENCES users(id),
                    kind TEXT NOT NULL,
                    event_id TEXT,
                    group_key TEXT,
                    arguments TEXT NOT NULL,
                    subjects TEXT NOT NULL,
                    count BIGINT NOT NULL DEFAULT 1,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    read_at BIGINT
                )
                """,
                // One notice per person, kind and event, however often the events are read.
                "CREATE UNIQUE INDEX notices_event ON notices (recipient, kind, event_id)",
                "CREATE INDEX notices_list ON notices (recipient, created_at, id)",
                "CREATE INDEX notices_unread ON notices (recipient, read_at)",
                """
                CREATE TABLE notice_preferences (
                    user_id TEXT NOT NULL REFERENCES users(id),
                    kind TEXT NOT NULL,
                    delivery TEXT NOT NULL,
                    PRIMARY KEY (user_id, kind)
                )
                """,
                "ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC'",
                "ALTER TABLE users ADD COLUMN digest_hour BIGINT NOT NULL DEFAULT 8",
                "ALTER TABLE users ADD COLUMN quiet_start BIGINT NOT NULL DEFAULT 22",
                "ALTER TABLE users ADD COLUMN quiet_end BIGINT NOT NULL DEFAULT 7",
                // The end of the hold a trainer was last warned about (a renewed hold is warned about again).
                "ALTER TABLE review_tasks ADD COLUMN hold_warned_until BIGINT",
            ]),
        Migration(
            version: 13, name: "e-mail: the mails to send, the addresses that refuse them",
            statements: [
                """
                CREATE TABLE mails (
                    id TEXT PRIMARY KEY,
                    user_id TEXT REFERENCES users(id),
                    address TEXT NOT NULL,
                    purpose TEXT NOT NULL,
                    message TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT NOT NULL,
                    lease_owner TEXT,
                    lease_expires BIGINT,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT
                )
                """,
                "CREATE INDEX mails_due ON mails (status, next_attempt_at)",
                """
                CREATE TABLE mail_failures (
                    address TEXT PRIMARY KEY,
                    reason TEXT NOT NULL,
                    since BIGINT NOT NULL
                )
                """,
                // A notice waiting for its person's daily summary, and when that summary is due.
                "ALTER TABLE notices ADD COLUMN in_digest BIGINT NOT NULL DEFAULT 0",
                "CREATE INDEX notices_digest ON notices (recipient, in_digest)",
                "ALTER TABLE users ADD COLUMN next_digest_at BIGINT",
                "CREATE INDEX users_digest ON users (next_digest_at)",
            ]),
        Migration(
            version: 14, name: "accounts by e-mail: invitations, password resets, address changes",
            statements: [
                // Only a secret's SHA-256 is kept; a link is used once, before it expires, unless it was
                // revoked (a newer link, a new password or address, a disabled account).
                """
                CREATE TABLE account_links (
                    token_hash TEXT PRIMARY KEY,
                    purpose TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id),
                    email TEXT NOT NULL,
                    created_by TEXT,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX account_links_user ON account_links (user_id, purpose)",
            ]),
        Migration(
            version: 15, name: "skills with names",
            statements: [
                // Empty for exercises made before: their key stands for the name.
                "ALTER TABLE exercises ADD COLUMN skill_name TEXT NOT NULL DEFAULT ''"
            ]),
        Migration(
            version: 16, name: "sent reviews changed by their reviewer, with the earlier versions kept",
            statements: [
                "ALTER TABLE reviews ADD COLUMN revised_at BIGINT",
                """
                CREATE TABLE review_versions (
                    review_id TEXT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
                    version BIGINT NOT NULL,
                    scores TEXT NOT NULL,
                    comment TEXT NOT NULL,
                    result TEXT NOT NULL,
                    replaced_at BIGINT NOT NULL,
                    PRIMARY KEY (review_id, version)
                )
                """,
            ]),
        Migration(
            version: 17, name: "the media library: model videos and stimulus clips",
            statements: [
                """
                CREATE TABLE media_items (
                    id TEXT PRIMARY KEY,
                    title TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    owner_id TEXT NOT NULL REFERENCES users (id),
                    status TEXT NOT NULL,
                    failure_reason TEXT,
                    file_name TEXT NOT NULL,
                    original_sha256 TEXT NOT NULL,
                    original_size BIGINT NOT NULL,
                    poster_sha256 TEXT,
                    rendition_sha256 TEXT,
                    rendition_type TEXT,
                    duration_ms BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX media_items_created ON media_items (created_at)",
            ]),
        Migration(
            version: 18, name: "the sample programme's records, to remove it in one step",
            statements: [
                """
                CREATE TABLE demo_records (
                    kind TEXT NOT NULL,
                    id TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (kind, id)
                )
                """
            ]),
        Migration(
            version: 19, name: "resumable uploads of library videos, which belong to no exercise",
            statements: [
                // Rebuilt: neither engine's shared SQL can drop NOT NULL from a column.
                """
                CREATE TABLE uploads_next (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    exercise_id TEXT REFERENCES exercises (id) ON DELETE CASCADE,
                    file_name TEXT NOT NULL,
                    length BIGINT NOT NULL,
                    received BIGINT NOT NULL DEFAULT 0,
                    metadata TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    sha256 TEXT,
                    submission_id TEXT,
                    scaffold_level BIGINT,
                    writer TEXT,
                    writer_expires BIGINT,
                    media_item_id TEXT
                )
                """,
                """
                INSERT INTO uploads_next (id, user_id, exercise_id, file_name, length, received, metadata, created_at, expires_at, sha256,
                                          submission_id, scaffold_level, writer, writer_expires)
                SELECT id, user_id, exercise_id, file_name, length, received, metadata, created_at, expires_at, sha256,
                       submission_id, scaffold_level, writer, writer_expires FROM uploads
                """,
                "DROP TABLE uploads",
                "ALTER TABLE uploads_next RENAME TO uploads",
                "CREATE INDEX uploads_user ON uploads (user_id)",
                "CREATE INDEX uploads_expires ON uploads (expires_at)",
                "CREATE INDEX uploads_unfinished ON uploads (submission_id, expires_at)",
            ]),
        Migration(
            version: 20, name: "the clip an exercise gives to respond to",
            statements: ["ALTER TABLE exercises ADD COLUMN stimulus TEXT"]),
        Migration(
            version: 21, name: "who may watch a recording, and the consents given for it",
            statements: [
                // Existing attempts keep who saw them so far: the trainers and any assigned peers.
                "ALTER TABLE submissions ADD COLUMN audience TEXT NOT NULL DEFAULT 'peers'",
                "ALTER TABLE submissions ADD COLUMN library_approved_at BIGINT",
                "ALTER TABLE submissions ADD COLUMN shares_feedback BIGINT NOT NULL DEFAULT 0",
                "CREATE INDEX submissions_library ON submissions (exercise_id, audience, created_at)",
                """
                CREATE TABLE consents (
                    id TEXT PRIMARY KEY,
                    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    audience TEXT NOT NULL,
                    wording TEXT NOT NULL,
                    with_feedback BIGINT NOT NULL,
                    given_at BIGINT NOT NULL,
                    withdrawn_at BIGINT
                )
                """,
                "CREATE INDEX consents_submission ON consents (submission_id, given_at)",
                "CREATE INDEX consents_user ON consents (user_id)",
            ]),
        Migration(
            version: 22, name: "the audit log",
            statements: [
                // Append-only: Steiger adds lines and removes them only once they are older than the
                // period they are kept for. `dedupe` makes a line that may be written twice (the same
                // viewing reported by two requests at once) stand once.
                """
                CREATE TABLE audit_log (
                    id TEXT PRIMARY KEY,
                    created_at BIGINT NOT NULL,
                    actor_id TEXT,
                    action TEXT NOT NULL,
                    subject_type TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    owner_id TEXT,
                    detail TEXT NOT NULL,
                    dedupe TEXT UNIQUE
                )
                """,
                "CREATE INDEX audit_log_created ON audit_log (created_at, id)",
                "CREATE INDEX audit_log_actor ON audit_log (actor_id, created_at)",
                "CREATE INDEX audit_log_owner ON audit_log (owner_id, created_at)",
                "CREATE INDEX audit_log_subject ON audit_log (subject_id, created_at)",
                // Who is watching what now, to count the requests of one viewing once.
                """
                CREATE TABLE audit_watch_marks (
                    actor_id TEXT NOT NULL,
                    submission_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    last_at BIGINT NOT NULL,
                    viewing BIGINT NOT NULL,
                    PRIMARY KEY (actor_id, submission_id, kind)
                )
                """,
            ]),
        Migration(
            version: 23, name: "how long recordings are kept, and legal holds",
            statements: [
                // The organisation's policy (scope ''), and any cohort's own (scope: its id); no row
                // for the organisation keeps media until they are removed by hand.
                """
                CREATE TABLE retention_policies (
                    scope TEXT PRIMARY KEY,
                    days BIGINT NOT NULL,
                    start TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "ALTER TABLE cohorts ADD COLUMN ends_at BIGINT",
                """
                CREATE TABLE legal_holds (
                    subject_type TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    placed_at BIGINT NOT NULL,
                    placed_by TEXT,
                    PRIMARY KEY (subject_type, subject_id)
                )
                """,
                // Removed media leave their record and this note: when, and under which policy.
                "ALTER TABLE submission_media ADD COLUMN removed_at BIGINT",
                "ALTER TABLE submission_media ADD COLUMN removed_under TEXT",
            ]),
        Migration(
            version: 24, name: "people's downloads of all their data",
            statements: [
                """
                CREATE TABLE exports (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    status TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    lease_expires BIGINT,
                    ready_at BIGINT,
                    expires_at BIGINT,
                    downloaded_at BIGINT,
                    size BIGINT
                )
                """,
                "CREATE INDEX exports_user ON exports (user_id, created_at)",
                "CREATE INDEX exports_status ON exports (status, created_at)",
            ]),
        Migration(
            version: 25, name: "kick-off attempts and rechecks",
            statements: [
                // What an attempt is for (practice, kick-off, recheck), decided when its upload began.
                "ALTER TABLE submissions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'practice'",
                "ALTER TABLE uploads ADD COLUMN purpose TEXT",
                // The next recheck's number of days, and the kick-off's development points (JSON keys).
                "ALTER TABLE scaffold_states ADD COLUMN check_days BIGINT",
                "ALTER TABLE scaffold_states ADD COLUMN development_points TEXT",
                // The due time of the recheck its learner was last reminded of.
                "ALTER TABLE scaffold_states ADD COLUMN check_reminded_for BIGINT",
            ]),
        Migration(
            version: 26, name: "managers and their teams",
            statements: [
                // Who manages whom, as an administrator set it.
                """
                CREATE TABLE manager_links (
                    manager_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    person_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (manager_id, person_id)
                )
                """,
                "CREATE INDEX manager_links_person ON manager_links (person_id)",
                // A manager's short word of encouragement to one of their people.
                """
                CREATE TABLE encouragements (
                    id TEXT PRIMARY KEY,
                    manager_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    person_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    text TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX encouragements_person ON encouragements (person_id, created_at)",
                // Whether the learner let their manager watch the recording.
                "ALTER TABLE submissions ADD COLUMN shared_with_manager BIGINT NOT NULL DEFAULT 0",
            ]),
        Migration(
            version: 27, name: "managers' monthly summaries",
            statements: [
                // The months whose summary each manager was sent.
                """
                CREATE TABLE team_summaries (
                    manager_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    month TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (manager_id, month)
                )
                """
            ]),
        Migration(
            version: 28, name: "guest reviewers",
            statements: [
                // Someone without an account asked to review one attempt through a link (only its hash is kept).
                """
                CREATE TABLE guest_invitations (
                    id TEXT PRIMARY KEY,
                    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                    task_id TEXT NOT NULL,
                    guest_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    invited_by TEXT NOT NULL,
                    name TEXT NOT NULL,
                    email TEXT,
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked_at BIGINT,
                    opened_at BIGINT
                )
                """,
                "CREATE INDEX guest_invitations_submission ON guest_invitations (submission_id)",
                "CREATE INDEX guest_invitations_guest ON guest_invitations (guest_id)",
            ]),
        Migration(
            version: 29, name: "transfer to the job",
            statements: [
                // A learner asked to try a skill at work, their report, and its review.
                """
                CREATE TABLE transfer_tasks (
                    id TEXT PRIMARY KEY,
                    learner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    exercise_id TEXT NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
                    cause TEXT NOT NULL,
                    level BIGINT,
                    prompt TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    due_at BIGINT NOT NULL,
                    report_text TEXT,
                    reported_at BIGINT,
                    reviewer_id TEXT,
                    scores TEXT,
                    comment TEXT,
                    result TEXT,
                    reviewed_at BIGINT
                )
                """,
                "CREATE INDEX transfer_tasks_learner ON transfer_tasks (learner_id, exercise_id, created_at)",
            ]),
        Migration(
            version: 30, name: "the programme dashboard's tallies",
            statements: [
                // Anonymous counts kept as things happen (see DashboardTally): what a measure counted in
                // a cohort ('' for none), exercise and skill, in a week, by two numbers the measure names.
                """
                CREATE TABLE dashboard_tallies (
                    measure TEXT NOT NULL,
                    cohort_id TEXT NOT NULL,
                    exercise_id TEXT NOT NULL,
                    skill_key TEXT NOT NULL,
                    week BIGINT NOT NULL,
                    a BIGINT NOT NULL,
                    b BIGINT NOT NULL,
                    n BIGINT NOT NULL,
                    PRIMARY KEY (measure, cohort_id, exercise_id, skill_key, week, a, b)
                )
                """,
                // Overdue reviews, read without passing every review ever sent.
                "CREATE INDEX review_tasks_due ON review_tasks (status, due_at)",
                // The cohort a learner's log on a skill is counted in, so a move takes its counts along.
                "ALTER TABLE scaffold_states ADD COLUMN tally_cohort TEXT",
            ]),
        Migration(
            version: 31, name: "peer balances and the dashboard read from indexes",
            statements: [
                // Whose attempt a task reviews, so what each learner received in peer review is
                // counted from an index instead of by looking up every task's attempt.
                "ALTER TABLE review_tasks ADD COLUMN learner_id TEXT",
                "UPDATE review_tasks SET learner_id = (SELECT s.learner_id FROM submissions s WHERE s.id = review_tasks.submission_id)",
                // Peer tasks only: a trainer's claim neither updates these nor is planned through them.
                "CREATE INDEX review_tasks_peer_given ON review_tasks (cohort_id, assignee) WHERE kind = 'peer'",
                "CREATE INDEX review_tasks_peer_received ON review_tasks (cohort_id, learner_id) WHERE kind = 'peer'",
                // The dashboard sums tallies over cohorts in this order, so it reads them in it.
                "CREATE INDEX dashboard_tallies_read ON dashboard_tallies (measure, skill_key, week, a, b, cohort_id, exercise_id, n)",
            ]),
        Migration(
            version: 32, name: "unfinished reviews with a deadline indexed on their own",
            statements: [
                // Only unfinished tasks with a deadline: the deadline sweep and the dashboard's
                // overdue reviews read a few hundred entries, not every task ever reviewed, and
                // PostgreSQL, taking deadlines and status as independent, cannot mistake it for a scan.
                "DROP INDEX review_tasks_due",
                "CREATE INDEX review_tasks_due ON review_tasks (due_at) WHERE status <> 'done' AND due_at IS NOT NULL",
            ]),
    ]

    /// The newest version this program knows.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}

extension Store {
    /// The schema version the database is at (0 for an empty database).
    public func schemaVersion() async throws -> Int {
        // A write: the history table may have to be created first.
        try await engine.write { session in
            try await Self.lockMigrations(session)
            try await Self.ensureHistoryTable(session)
            return try await Self.currentVersion(session)
        }
    }

    /// Brings the schema up to date, one transaction per step; returns the versions applied
    /// (none when it was already current, so running it twice is harmless). Several processes
    /// may start at once: each step re-checks the version inside its transaction.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let current = try await schemaVersion()
        if current > Schema.latestVersion { throw StoreError.schemaTooNew(found: current, known: Schema.latestVersion) }
        var applied: [Int] = []
        for migration in Schema.migrations where migration.version > current {
            let didApply = try await engine.write { session in
                try await Self.lockMigrations(session)
                guard try await Self.currentVersion(session) < migration.version else { return false }
                for statement in migration.statements { _ = try await session.query(statement) }
                _ = try await session.query(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date()))
                    """)
                return true
            }
            if didApply {
                applied.append(migration.version)
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
        // The tallies start from what a database holds already (once, when they are added).
        if applied.contains(30), current > 0 { try await rebuildDashboardTallies() }
        return applied
    }

    /// Serialises migrating processes on PostgreSQL for the rest of the transaction (SQLite's
    /// single writer does this already).
    private static func lockMigrations(_ session: any DatabaseSession) async throws {
        if session.dialect == .postgresql { _ = try await session.query("SELECT pg_advisory_xact_lock(74657)") }
    }

    private static func ensureHistoryTable(_ session: any DatabaseSession) async throws {
        _ = try await session.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )
            """)
    }

    private static func currentVersion(_ session: any DatabaseSession) async throws -> Int {
        Int(try await session.query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations").first?.int("version") ?? 0)
    }
}
