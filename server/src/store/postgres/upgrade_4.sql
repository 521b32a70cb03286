-- Schema 3 → 4: accounts people manage themselves. Keys remember when they
-- were last used; invitations to sign up (and join a group); signed-in
-- browsers. Tokens and session ids are stored as SHA-256 digests only.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS last_used TEXT;

CREATE TABLE IF NOT EXISTS invitations (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      BIGINT NOT NULL REFERENCES users(id),
    group_id        BIGINT REFERENCES groups(id),
    group_role      TEXT,
    group_can_write BOOLEAN NOT NULL DEFAULT FALSE,
    created         TEXT NOT NULL,
    expires         TEXT NOT NULL,
    accepted_by     BIGINT REFERENCES users(id)
);

CREATE TABLE IF NOT EXISTS web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created    TEXT NOT NULL,
    expires    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions(user_id);
