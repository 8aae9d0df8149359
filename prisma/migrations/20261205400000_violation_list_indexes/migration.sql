-- GET /violations pages the standing cases (superseded_by_id IS NULL) newest first by (start_time, id), all of them
-- or one status; partial indexes in that order let a page read its limit of rows and stop, and the status one answers
-- the tab counts from the index alone.
CREATE INDEX "violations_live_start_time_id_idx" ON "violations" ("start_time" DESC, "id" DESC)
  WHERE "superseded_by_id" IS NULL;
CREATE INDEX "violations_live_status_start_time_id_idx" ON "violations" ("status", "start_time" DESC, "id" DESC)
  WHERE "superseded_by_id" IS NULL;
