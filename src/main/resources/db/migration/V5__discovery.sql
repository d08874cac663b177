-- Discovery: what weight-file headers say, per file content and per commit; likes; downloads per day.

-- One row per weight file content (LFS sha256, or git blob id for small files): its header's summary as
-- JSON, or why it was refused. Content-addressed, so a file shared by commits and repositories is read once.
CREATE TABLE weight_headers (
    content_id  VARCHAR(64)  PRIMARY KEY,
    format      VARCHAR(16)  NOT NULL,   -- safetensors | gguf
    summary     TEXT,
    problem     TEXT
);

-- What Forge derived from a commit's files for discovery (weights summaries, lineage hints), as JSON.
CREATE TABLE commit_facts (
    repo_key   VARCHAR(24)  NOT NULL,
    commit_id  CHAR(40)     NOT NULL,
    facts      TEXT         NOT NULL,
    PRIMARY KEY (repo_key, commit_id)
);

CREATE TABLE repo_likes (
    repo_key    VARCHAR(24)  NOT NULL,
    user_key    VARCHAR(24)  NOT NULL,
    created_at  BIGINT       NOT NULL,
    PRIMARY KEY (repo_key, user_key)
);
CREATE INDEX repo_likes_by_user ON repo_likes (user_key, created_at);
CREATE INDEX repo_likes_by_time ON repo_likes (created_at);

-- Downloads counted per repository and UTC day (epoch day): the last 30 days and all time are sums.
CREATE TABLE repo_downloads (
    repo_key  VARCHAR(24)  NOT NULL,
    day       BIGINT       NOT NULL,
    count     BIGINT       NOT NULL,
    PRIMARY KEY (repo_key, day)
);
CREATE INDEX repo_downloads_by_day ON repo_downloads (day);
