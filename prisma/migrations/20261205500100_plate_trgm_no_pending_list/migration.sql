-- Plate search reads the trigram index on every query. With GIN's fast update, new rows wait in a pending list (up to
-- gin_pending_list_limit, 4 MB) until a vacuum merges it, and every search scans that list in full: some 250 pages,
-- 10-30 ms a search at a million violations, whatever the plate. Violations arrive a few a second at most, so they go
-- into the index as they are inserted instead.
ALTER INDEX "violations_plate_text_trgm_idx" SET (fastupdate = off);
SELECT gin_clean_pending_list('violations_plate_text_trgm_idx'::regclass);
