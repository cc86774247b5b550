-- The tumor board's roles on a shared PostgreSQL case library (HER2 pathways, issue 17).
--
-- Who may do what is decided by the database, not by the app:
--   pathways_reader       read everything (every role below includes it)
--   pathways_coordinator  meetings, their agendas and attendees
--   pathways_member       cases, and the board's decisions (and their corrections)
--   pathways_chair        signing the minutes off, and amending a signed-off meeting
-- Nobody, not even these roles, may change or delete a recorded decision or a sign-off: no
-- UPDATE or DELETE privilege is granted on those tables, and their triggers refuse it anyway.
-- "Recorded by" and "signed by" are the database login (session_user), stamped by triggers.
--
-- How to set up a board's library (a database administrator, once):
--   1. createuser --login pathways_admin        -- the owner of the library's tables
--      createdb --owner pathways_admin tumorboard
--   2. Create the library's tables, as their owner:
--      python -m pathways library --db postgresql://pathways_admin@DBHOST/tumorboard init
--   3. Run this script as the owner:
--      psql "postgresql://pathways_admin@DBHOST/tumorboard" -v ON_ERROR_STOP=1 \
--           -f docs/postgresql-roles.sql
--   4. Give each person a login and the roles they need, e.g.:
--      CREATE ROLE alice LOGIN;  GRANT pathways_coordinator TO alice;
--      CREATE ROLE bob LOGIN;    GRANT pathways_member TO bob;
--      CREATE ROLE carol LOGIN;  GRANT pathways_member, pathways_chair TO carol;
--   Passwords or certificates: set by the administrator (ALTER ROLE … PASSWORD, or client
--   certificates in pg_hba.conf); each workstation keeps its password in pgpass or a service
--   file, never in the app. Require TLS in pg_hba.conf (hostssl) and connect with
--   sslmode=verify-full (see the README).
--
-- Moving an existing SQLite library in: `python -m pathways library copy FILE ADDRESS` with the
-- owner's login (the copy keeps who recorded each decision, which only the owner may do), then
-- this script (or run it again).
--
-- The script can be run again (after an upgrade of the app that adds tables, say): it creates
-- what is missing and grants again.

DO $roles$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['pathways_reader', 'pathways_coordinator', 'pathways_member',
                                'pathways_chair']
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', name);
        END IF;
    END LOOP;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pathways_reader', current_database());
END
$roles$;

GRANT pathways_reader TO pathways_coordinator, pathways_member, pathways_chair;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pathways_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO pathways_reader;

-- The coordinator builds the meeting: its title and date, the agenda and who attends.
GRANT INSERT, UPDATE ON meetings TO pathways_coordinator;
GRANT INSERT, UPDATE, DELETE ON agenda, attendees TO pathways_coordinator;

-- Members bring their cases and record the board's decisions (a correction is a new row).
GRANT INSERT, UPDATE, DELETE ON cases TO pathways_member;
GRANT INSERT ON decisions TO pathways_member;

-- The chair signs the minutes off, and reopens them by an amendment with its reason.
GRANT INSERT ON meeting_signoffs TO pathways_chair;

-- New rows take their ids from the tables' identity sequences.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public
    TO pathways_coordinator, pathways_member, pathways_chair;
