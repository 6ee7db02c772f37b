-- The customer's audit, shared by the team: who did what, for whom and when, one
-- entry a row, as audit.jsonl keeps it a line. Append-only: no role, the tables'
-- owner included, may change or remove an entry.

CREATE TABLE audit_entry (
    id      bigserial   PRIMARY KEY,
    profile text        NOT NULL,
    entry   jsonb       NOT NULL,
    written timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_entry_profile ON audit_entry (profile, id);

CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit is append-only: % is refused', TG_OP;
END
$$;
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
-- The grants say it too, for a role other than the owner.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM PUBLIC;
