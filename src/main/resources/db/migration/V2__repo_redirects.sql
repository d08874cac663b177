-- Old names of moved repositories; requests for them are redirected to the repository's current name.
CREATE TABLE repo_redirects (
    lookup    VARCHAR(210) PRIMARY KEY,  -- lower(type/namespace/name) of the old name
    repo_key  VARCHAR(24)  NOT NULL
);
