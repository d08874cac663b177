-- The pull-through cache (issue 16): what was fetched from an upstream for a repository not held here. A repository is
-- named by its type and id as the upstream spells it. Answers and files are kept per commit id (immutable upstream, so
-- never asked again); branch and tag names map to a commit id with the time they were last asked (revalidated after a TTL).
CREATE TABLE cache_repos (
    repo_type   VARCHAR(16)   NOT NULL,
    repo_id     VARCHAR(200)  NOT NULL,
    upstream    VARCHAR(1000) NOT NULL,
    is_private  INTEGER       NOT NULL,
    gated       INTEGER       NOT NULL,
    PRIMARY KEY (repo_type, repo_id)
);
CREATE TABLE cache_refs (
    repo_type   VARCHAR(16)   NOT NULL,
    repo_id     VARCHAR(200)  NOT NULL,
    rev         VARCHAR(300)  NOT NULL,
    commit_id   VARCHAR(40)   NOT NULL,
    fetched_at  BIGINT        NOT NULL,
    PRIMARY KEY (repo_type, repo_id, rev)
);
-- scope: a commit id, or '' for answers about the repository as a whole (its refs), which are revalidated like branches
CREATE TABLE cache_answers (
    repo_type   VARCHAR(16)   NOT NULL,
    repo_id     VARCHAR(200)  NOT NULL,
    scope       VARCHAR(40)   NOT NULL,
    request     VARCHAR(4000) NOT NULL,
    body        BLOB          NOT NULL,
    total_count BIGINT,
    link_next   VARCHAR(4000),
    fetched_at  BIGINT        NOT NULL,
    PRIMARY KEY (repo_type, repo_id, scope, request)
);
CREATE TABLE cache_revisions (
    repo_type   VARCHAR(16)   NOT NULL,
    repo_id     VARCHAR(200)  NOT NULL,
    commit_id   VARCHAR(40)   NOT NULL,
    last_used   BIGINT        NOT NULL,
    PRIMARY KEY (repo_type, repo_id, commit_id)
);
CREATE INDEX cache_revisions_by_use ON cache_revisions (last_used);
-- oid: the SHA-256 of the bytes (their name in the blob store); etag: what the upstream called them (LFS sha256 or git blob id)
CREATE TABLE cache_files (
    repo_type   VARCHAR(16)   NOT NULL,
    repo_id     VARCHAR(200)  NOT NULL,
    commit_id   VARCHAR(40)   NOT NULL,
    path        VARCHAR(1000) NOT NULL,
    oid         VARCHAR(64)   NOT NULL,
    size        BIGINT        NOT NULL,
    etag        VARCHAR(64)   NOT NULL,
    lfs         INTEGER       NOT NULL,
    PRIMARY KEY (repo_type, repo_id, commit_id, path)
);
CREATE INDEX cache_files_by_oid ON cache_files (oid);
