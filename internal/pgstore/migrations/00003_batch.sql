-- A batch shared by the team: each computer that runs the same batch file takes part
-- in the same run of it, claims a person before running them, and records how
-- they ended. A computer keeps its part alive (alive_until) while it runs: one that
-- crashed or lost the database stops renewing it, and after its lease the others
-- take over the people it had claimed and not finished.

CREATE TABLE batch_run (
    id         bigserial   PRIMARY KEY,
    profile    text        NOT NULL,
    batch      text        NOT NULL, -- the batch file's name
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batch_run_batch ON batch_run (profile, batch, id);

-- One computer's part in a run. share_of is the number of parts it divides each
-- vendor's rate limit by, and has slowed down to: together the parts never ask a
-- vendor for more than its limit. instance names the computer and home folder it
-- runs from (a hash), where only one part of the batch runs at a time: a part
-- joining from the same one finds its predecessor ended (killed, or cut off).
CREATE TABLE batch_participant (
    id          bigserial   PRIMARY KEY,
    run_id      bigint      NOT NULL REFERENCES batch_run (id),
    runner      jsonb       NOT NULL,
    instance    text        NOT NULL,
    joined_at   timestamptz NOT NULL DEFAULT now(),
    alive_until timestamptz NOT NULL,
    left_at     timestamptz,
    share_of    integer     NOT NULL
);
CREATE INDEX batch_participant_run ON batch_participant (run_id);

-- A person in a run: claimed by one part, and how they ended (a batch journal
-- entry) once they have. One row a person a run: nobody is run twice in one run.
CREATE TABLE batch_person (
    run_id      bigint      NOT NULL REFERENCES batch_run (id),
    user_key    text        NOT NULL,
    participant bigint      NOT NULL REFERENCES batch_participant (id),
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    entry       jsonb,
    PRIMARY KEY (run_id, user_key)
);
CREATE INDEX batch_person_user ON batch_person (user_key, ended_at);
