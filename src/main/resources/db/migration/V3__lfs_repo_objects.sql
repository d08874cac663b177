-- Which repositories may reference which LFS objects: those uploaded to the repository. Together with
-- the file index (objects a repository or any public repository references) this keeps the content-addressed
-- store from becoming an oracle: knowing an object's hash is not enough to reference it.
CREATE TABLE lfs_repo_objects (
    repo_key  VARCHAR(24) NOT NULL,
    lfs_oid   CHAR(64)    NOT NULL,
    PRIMARY KEY (repo_key, lfs_oid)
);
