-- Plate search (GET /violations?plate=12가): a trigram index answers partial plates, Hangul included (the
-- database's UTF-8 ctype counts Hangul syllables as word characters), in milliseconds at a million rows.
-- pg_trgm ships with PostgreSQL (Debian: postgresql-contrib, part of the postgresql package).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "violations_plate_text_trgm_idx" ON "violations" USING GIN ("plate_text" gin_trgm_ops);

-- A vehicle's history: every violation with the same plate of record.
CREATE INDEX "violations_plate_text_start_time_idx" ON "violations"("plate_text", "start_time");
