-- E2 stadium templates get a schema of their own: the Stadiums module owns them, Matches only
-- refers to one by id (the foreign key stays).
CREATE SCHEMA IF NOT EXISTS stadiums;
ALTER TABLE matches.stadiums SET SCHEMA stadiums;
