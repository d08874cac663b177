-- Mirrors (issue 16). A pull mirror keeps a local repository an exact copy of a repository of another hub (same
-- commit ids, every LFS object); a push mirror sends a local repository's new commits and LFS objects to a remote
-- Forge. A namespace mirror (remote_id 'ns/*') makes and syncs one repository mirror per repository of the namespace
-- (its children name it in parent_key). Portable SQL: runs on SQLite (default) and PostgreSQL.
CREATE TABLE mirrors (
    mirror_key        VARCHAR(24)   PRIMARY KEY,
    direction         VARCHAR(8)    NOT NULL,  -- 'pull' or 'push'
    remote_url        VARCHAR(512)  NOT NULL,  -- the other hub's base URL
    repo_type         VARCHAR(16)   NOT NULL,  -- 'model', 'dataset' or 'space'
    remote_id         VARCHAR(200)  NOT NULL,  -- ns/name on the other hub, or ns/* for a namespace mirror
    local_id          VARCHAR(200)  NOT NULL,  -- ns/name here, or ns for a namespace mirror
    repo_key          VARCHAR(24),             -- the local repository; null for a namespace mirror
    parent_key        VARCHAR(24),             -- the namespace mirror that made this one
    remote_token      VARCHAR(512),            -- the credential sent to the other hub (outbound; never shown or logged)
    paused            BOOLEAN       NOT NULL,
    interval_seconds  BIGINT        NOT NULL,
    next_sync_at      BIGINT        NOT NULL,
    created_at        BIGINT        NOT NULL,
    last_sync_at      BIGINT,                  -- when the last sync ended (whatever its outcome)
    last_success_at   BIGINT,                  -- when a sync last ended without an error
    status            VARCHAR(16)   NOT NULL,  -- new, syncing, ok, diverged, upstream-gone, refused, error
    message           VARCHAR(4000),
    problems          TEXT,                    -- refs not applied (force-push, deletion upstream), one per line
    objects_done      BIGINT        NOT NULL DEFAULT 0,
    objects_total     BIGINT        NOT NULL DEFAULT 0,
    bytes_done        BIGINT        NOT NULL DEFAULT 0,
    bytes_total       BIGINT        NOT NULL DEFAULT 0,
    objects_fetched   BIGINT        NOT NULL DEFAULT 0,  -- LFS objects transferred over the mirror's lifetime
    bytes_fetched     BIGINT        NOT NULL DEFAULT 0,
    syncs             BIGINT        NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mirrors_by_target ON mirrors (direction, repo_type, local_id, remote_url, remote_id);
CREATE INDEX mirrors_by_repo ON mirrors (repo_key);
CREATE INDEX mirrors_by_parent ON mirrors (parent_key);
