-- Schema 4 → 5: accounts people manage themselves. Keys remember when they
-- were last used; invitations to sign up (and join a group); signed-in
-- browsers. Tokens and session ids are stored as SHA-256 digests only.
ALTER TABLE api_keys ADD COLUMN last_used TEXT;

CREATE TABLE invitations (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL COLLATE NOCASE,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      INTEGER NOT NULL REFERENCES users(id),
    group_id        INTEGER REFERENCES groups(id),
    group_role      TEXT,
    group_can_write INTEGER NOT NULL DEFAULT 0,
    created         TEXT NOT NULL,
    expires         TEXT NOT NULL,
    accepted_by     INTEGER REFERENCES users(id)
);

CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created    TEXT NOT NULL,
    expires    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_user ON web_sessions(user_id);
