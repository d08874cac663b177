-- Git LFS file locks: a path of a repository held by one user until they (or a writer, with force) unlock it.
CREATE TABLE lfs_locks (
    lock_id    VARCHAR(24)  PRIMARY KEY,
    repo_key   VARCHAR(24)  NOT NULL,
    path       TEXT         NOT NULL,
    ref_name   TEXT,
    owner_key  VARCHAR(24)  NOT NULL REFERENCES users(user_key),
    locked_at  BIGINT       NOT NULL,
    UNIQUE (repo_key, path)
);
CREATE INDEX lfs_locks_by_repo ON lfs_locks (repo_key, locked_at, lock_id);

-- The parquet conversion of a dataset (refs/convert/parquet): which commit of the default branch it was made
-- from, the conversion commit, and what could not be converted. One row per repository: the latest attempt.
CREATE TABLE parquet_conversions (
    repo_key        VARCHAR(24)  PRIMARY KEY,
    source_commit   CHAR(40)     NOT NULL,
    parquet_commit  CHAR(40),
    inputs          CHAR(64)     NOT NULL,  -- SHA-256 of the layout and the data files' ids it was made from
    state           VARCHAR(16)  NOT NULL,  -- 'done', 'partial' (some files failed) or 'failed'
    errors          TEXT         NOT NULL,  -- a JSON array of {"path", "error"}
    converted_at    BIGINT       NOT NULL
);
