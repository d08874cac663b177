-- Discussions and pull requests (issue 14). A pull request is a discussion whose changes live on the git ref
-- refs/pr/<num>; discussions and pull requests of a repository share one sequence of numbers, as on the Hub.

CREATE TABLE discussions (
    discussion_key   VARCHAR(24)  PRIMARY KEY,       -- the Hub's _id
    repo_key         VARCHAR(24)  NOT NULL,
    num              INTEGER      NOT NULL,
    title            TEXT         NOT NULL,
    author_key       VARCHAR(24)  NOT NULL REFERENCES users(user_key),
    is_pull_request  BOOLEAN      NOT NULL,
    status           VARCHAR(8)   NOT NULL,          -- 'open', 'closed', 'merged' or 'draft'
    target_ref       TEXT,                           -- pull requests: the branch they merge into (refs/heads/main)
    merge_commit     CHAR(40),                       -- merged pull requests: the merge commit on the target
    created_at       BIGINT       NOT NULL,
    UNIQUE (repo_key, num)
);
CREATE INDEX discussions_by_status ON discussions (repo_key, status, num);

-- What happened in a discussion, in order: comments (the first one is its description), status and title changes,
-- and commits pushed to a pull request's ref. Text is stored as written: rendering is the reader's business.
CREATE TABLE discussion_events (
    event_key       VARCHAR(24)  PRIMARY KEY,
    discussion_key  VARCHAR(24)  NOT NULL REFERENCES discussions(discussion_key),
    seq             INTEGER      NOT NULL,           -- order within the discussion, from 1
    type            VARCHAR(16)  NOT NULL,           -- 'comment', 'status-change', 'title-change' or 'commit'
    author_key      VARCHAR(24)  NOT NULL REFERENCES users(user_key),
    created_at      BIGINT       NOT NULL,
    body            TEXT,        -- comment: its text; status-change: the new status; title-change: the new title; commit: subject
    previous        TEXT,        -- title-change: the old title
    oid             CHAR(40),    -- commit: the commit id
    hidden          BOOLEAN      NOT NULL DEFAULT FALSE,  -- comment: hidden (its text and history are erased)
    edited_at       BIGINT,      -- comment: last edit
    edited_by       VARCHAR(24), -- comment: who edited it last
    UNIQUE (discussion_key, seq)
);

-- Earlier versions of edited comments, oldest first.
CREATE TABLE discussion_comment_edits (
    event_key   VARCHAR(24)  NOT NULL REFERENCES discussion_events(event_key),
    version     INTEGER      NOT NULL,
    body        TEXT         NOT NULL,
    author_key  VARCHAR(24)  NOT NULL,
    at          BIGINT       NOT NULL,
    PRIMARY KEY (event_key, version)
);
