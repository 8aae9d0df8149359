-- API processes keep pages of GET /violations in memory (src/api/violation-page-cache.ts); any change to what a page
-- shows (the violation, its camera, the capture-time source of its segment, its reviews' corrections, its thumbnail)
-- tells them at commit to forget what they hold. One notification per statement; Postgres folds repeats in a
-- transaction into one.
CREATE FUNCTION "notify_violation_list_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('violation_list_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER "violations_list_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "violations"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_violation_list_changed"();
CREATE TRIGGER "cameras_list_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "cameras"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_violation_list_changed"();
CREATE TRIGGER "segments_list_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "segments"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_violation_list_changed"();
CREATE TRIGGER "analysis_runs_list_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "analysis_runs"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_violation_list_changed"();
CREATE TRIGGER "review_actions_list_changed" AFTER INSERT ON "review_actions"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_violation_list_changed"();
CREATE TRIGGER "evidence_files_list_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "evidence_files"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_violation_list_changed"();
