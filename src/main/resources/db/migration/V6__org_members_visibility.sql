-- What an organisation shows of its member list to those outside it (issue 10, finding 17):
-- 'none' (nothing), 'names' (who, without roles: the default) or 'roles' (who and with which role).
ALTER TABLE orgs ADD COLUMN members_visibility VARCHAR(8) NOT NULL DEFAULT 'names';
