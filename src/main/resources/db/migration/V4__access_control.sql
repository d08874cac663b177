-- Accounts and access control: passwords, fine-grained tokens, gated repositories, access requests, audit log.

-- Argon2id in PHC string form ($argon2id$v=19$m=…,t=…,p=…$salt$hash); NULL for token-only accounts.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- Who created a repository: an organisation's contributors may write to the repositories they created.
ALTER TABLE repos ADD COLUMN created_by VARCHAR(24);
-- NULL (not gated), 'auto' (requests accepted at once) or 'manual' (an owner accepts them).
ALTER TABLE repos ADD COLUMN gated VARCHAR(8);

-- What a fine-grained token may reach: one repository (target = repo_key) or a whole namespace (target =
-- lower-case user or organisation name), for reading or also for writing.
CREATE TABLE token_scopes (
    token_key  VARCHAR(24)  NOT NULL REFERENCES tokens(token_key),
    kind       VARCHAR(16)  NOT NULL,  -- 'repo' or 'namespace'
    target     VARCHAR(96)  NOT NULL,
    can_write  BOOLEAN      NOT NULL,
    PRIMARY KEY (token_key, kind, target)
);

-- Requests for access to gated repositories, one per user and repository.
CREATE TABLE access_requests (
    repo_key          VARCHAR(24)  NOT NULL,
    user_key          VARCHAR(24)  NOT NULL REFERENCES users(user_key),
    status            VARCHAR(16)  NOT NULL,  -- 'pending', 'accepted' or 'rejected'
    fields            TEXT,                   -- the requester's answers, a JSON object
    requested_at      BIGINT       NOT NULL,
    decided_at        BIGINT,
    decided_by        VARCHAR(24),
    rejection_reason  TEXT,
    PRIMARY KEY (repo_key, user_key)
);
CREATE INDEX access_requests_by_status ON access_requests (repo_key, status, requested_at);

-- Every write and administrative action, and failed authentications. Never holds a secret.
CREATE TABLE audit_log (
    entry_key   VARCHAR(24)  PRIMARY KEY,  -- starts with the time in hex, so keys sort in time order
    at          BIGINT       NOT NULL,
    actor       VARCHAR(96)  NOT NULL,  -- user name, 'anonymous' or 'cli'
    token_key   VARCHAR(24),            -- the token's id (never its secret)
    address     VARCHAR(64),
    action      VARCHAR(48)  NOT NULL,
    target      TEXT,
    detail      TEXT,                   -- a JSON object
    outcome     VARCHAR(16)  NOT NULL   -- 'ok' or 'denied'
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_action ON audit_log (action, at);
