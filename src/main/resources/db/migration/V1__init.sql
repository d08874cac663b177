-- Forge metadata. Portable SQL: runs on SQLite (default) and PostgreSQL.
-- Times are epoch milliseconds (BIGINT); ids are opaque 24-hex keys.

CREATE TABLE users (
    user_key    VARCHAR(24)  PRIMARY KEY,
    name        VARCHAR(96)  NOT NULL,
    name_lower  VARCHAR(96)  NOT NULL UNIQUE,
    fullname    TEXT         NOT NULL,
    email       TEXT,
    is_admin    BOOLEAN      NOT NULL,
    created_at  BIGINT       NOT NULL
);

CREATE TABLE orgs (
    org_key     VARCHAR(24)  PRIMARY KEY,
    name        VARCHAR(96)  NOT NULL,
    name_lower  VARCHAR(96)  NOT NULL UNIQUE,
    fullname    TEXT         NOT NULL,
    created_at  BIGINT       NOT NULL
);

CREATE TABLE org_members (
    org_key     VARCHAR(24)  NOT NULL REFERENCES orgs(org_key),
    user_key    VARCHAR(24)  NOT NULL REFERENCES users(user_key),
    role        VARCHAR(16)  NOT NULL,
    PRIMARY KEY (org_key, user_key)
);

-- Only the SHA-256 of a token is stored; lookup is by that hash.
CREATE TABLE tokens (
    token_key     VARCHAR(24)  PRIMARY KEY,
    user_key      VARCHAR(24)  NOT NULL REFERENCES users(user_key),
    display_name  TEXT         NOT NULL,
    role          VARCHAR(16)  NOT NULL,
    token_hash    CHAR(64)     NOT NULL UNIQUE,
    created_at    BIGINT       NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);

CREATE TABLE repos (
    repo_key    VARCHAR(24)  PRIMARY KEY,
    type        VARCHAR(8)   NOT NULL,
    namespace   VARCHAR(96)  NOT NULL,
    name        VARCHAR(96)  NOT NULL,
    lookup      VARCHAR(210) NOT NULL UNIQUE,  -- lower(type/namespace/name): ids are case-insensitive
    private     BOOLEAN      NOT NULL,
    created_at  BIGINT       NOT NULL
);

-- One row per indexed commit of a repository.
CREATE TABLE commits (
    repo_key       VARCHAR(24)  NOT NULL,
    commit_id      CHAR(40)     NOT NULL,
    tree_id        CHAR(40)     NOT NULL,
    parents        TEXT         NOT NULL,  -- space-separated commit ids, first parent first
    title          TEXT         NOT NULL,
    message        TEXT         NOT NULL,
    author_name    TEXT         NOT NULL,
    author_email   TEXT         NOT NULL,
    authored_at    BIGINT       NOT NULL,
    committed_at   BIGINT       NOT NULL,
    history_count  BIGINT       NOT NULL,
    card_data      TEXT,
    PRIMARY KEY (repo_key, commit_id)
);

-- The per-commit file index: every file and directory of the commit's tree.
-- A commit's rows are written before any ref points at the commit, so a ref never names an unindexed commit.
CREATE TABLE file_index (
    repo_key      VARCHAR(24)  NOT NULL,
    commit_id     CHAR(40)     NOT NULL,
    path          TEXT         NOT NULL,
    parent        TEXT         NOT NULL,
    is_dir        BOOLEAN      NOT NULL,
    size          BIGINT       NOT NULL,
    oid           CHAR(40)     NOT NULL,
    lfs_oid       CHAR(64),
    lfs_size      BIGINT,
    pointer_size  INTEGER,
    last_commit   CHAR(40)     NOT NULL,
    PRIMARY KEY (repo_key, commit_id, path)
);
CREATE INDEX file_index_by_parent ON file_index (repo_key, commit_id, parent, path);
CREATE INDEX file_index_by_lfs ON file_index (lfs_oid);
