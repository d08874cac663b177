-- Who uploaded which Xet xorb (issue 12): a user who sent a xorb's bytes proved they hold them, so a shard of theirs
-- may reference it; anyone else needs to be able to read an object stored in it. Without this a xorb hash seen in
-- a reconstruction answer would be a way to another user's bytes.
CREATE TABLE xet_xorb_uploads (
    xorb_hash  CHAR(64)    NOT NULL,
    user_key   VARCHAR(24) NOT NULL,
    PRIMARY KEY (xorb_hash, user_key)
);
