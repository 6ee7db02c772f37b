-- A customer's people's progress and who is working on each, shared by a team of
-- technicians. The progress is the same JSON document the file store keeps; version
-- is what a save must find unchanged (optimistic concurrency).

CREATE TABLE person_state (
    profile   text        NOT NULL,
    user_key  text        NOT NULL, -- the address lower-cased: one row a person
    user_name text        NOT NULL, -- the address as given
    state     jsonb       NOT NULL,
    version   bigint      NOT NULL,
    saved_at  timestamptz NOT NULL,
    saved_by  jsonb,
    PRIMARY KEY (profile, user_key)
);

-- Who holds a person's lock (the lock itself is an advisory lock, which PostgreSQL
-- frees when the holder's connection ends): written after it is taken, removed
-- before it is let go.
CREATE TABLE person_lock (
    profile  text        NOT NULL,
    user_key text        NOT NULL,
    holder   jsonb       NOT NULL,
    since    timestamptz NOT NULL,
    PRIMARY KEY (profile, user_key)
);
