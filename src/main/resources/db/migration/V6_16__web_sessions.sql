-- Browser sessions of the web pages (issue 13). Only the SHA-256 of a session's secret is stored; a session ends at
-- expires_at, on sign-out, or when its user changes their password.
CREATE TABLE web_sessions (
    session_key   VARCHAR(24)  PRIMARY KEY,
    secret_hash   VARCHAR(64)  NOT NULL UNIQUE,
    user_key      VARCHAR(24)  NOT NULL REFERENCES users(user_key),
    created_at    BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL,
    last_seen_at  BIGINT       NOT NULL,
    address       VARCHAR(64)
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_key);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
