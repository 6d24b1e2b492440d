-- Each extension belongs to one user. Before this, the next free extension was found before
-- the insert, so users created at the same moment could get the same one. Where that happened,
-- the user created first keeps it and the others get new numbers above the highest in use
-- (in order of creation), so the index below can be built.
WITH renumbered AS MATERIALIZED (
    SELECT id,
           (SELECT MAX(CAST(extension AS INTEGER)) FROM users)
               + ROW_NUMBER() OVER (ORDER BY created_at, id) AS extension
    FROM (
        SELECT id, created_at,
               ROW_NUMBER() OVER (PARTITION BY extension ORDER BY created_at, id) AS nth
        FROM users
        WHERE extension <> ''
    )
    WHERE nth > 1
)
UPDATE users
SET extension = (SELECT CAST(r.extension AS TEXT) FROM renumbered r WHERE r.id = users.id)
WHERE id IN (SELECT id FROM renumbered);

-- An empty extension (the column's default) means none, and several users may have none.
CREATE UNIQUE INDEX users_extension ON users (extension) WHERE extension <> '';
