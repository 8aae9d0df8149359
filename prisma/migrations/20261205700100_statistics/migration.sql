-- Statistics (GET /stats) read small rollups kept up to date by triggers, so that a year of a million violations
-- is summed from a few thousand rows instead of scanned. Days, months, hours and weekdays are the camera's local
-- ones, fixed when a row is counted (a later change of the camera's timezone moves nothing).

-- Standing violations (not superseded) per camera and zone, by status, local hour (hours[1] = 00h) and local ISO
-- weekday (weekdays[1] = Monday): one row per local day (grain 'day') and one per local month (grain 'month',
-- period_start its first day), so a period is its whole months plus the days at either end.
CREATE TABLE "violation_stats" (
    "id" BIGSERIAL NOT NULL,
    "grain" TEXT NOT NULL,
    "period_start" DATE NOT NULL,
    "camera_id" UUID NOT NULL,
    "zone_id" UUID,
    "total" INTEGER NOT NULL,
    "confirmed" INTEGER NOT NULL,
    "rejected" INTEGER NOT NULL,
    "open" INTEGER NOT NULL,
    "hours" INTEGER[],
    "weekdays" INTEGER[],
    CONSTRAINT "violation_stats_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "violation_stats_grain_check" CHECK ("grain" IN ('day', 'month'))
);
CREATE UNIQUE INDEX "violation_stats_grain_period_start_camera_id_zone_id_key"
  ON "violation_stats" ("grain", "period_start", "camera_id", "zone_id") NULLS NOT DISTINCT;

-- Review actions per reviewer (an API key or a user account) and the reviewed camera's local day: per camera and zone, and (camera and
-- zone null) over all cameras, which a query without a camera or zone reads.
CREATE TABLE "review_stats" (
    "id" BIGSERIAL NOT NULL,
    "day" DATE NOT NULL,
    "api_key_id" UUID,
    "user_id" UUID,
    "camera_id" UUID,
    "zone_id" UUID,
    "reviews" INTEGER NOT NULL,
    CONSTRAINT "review_stats_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "review_stats_day_api_key_id_user_id_camera_id_zone_id_key"
  ON "review_stats" ("day", "api_key_id", "user_id", "camera_id", "zone_id") NULLS NOT DISTINCT;
CREATE INDEX "review_stats_camera_id_zone_id_day_idx" ON "review_stats" ("camera_id", "zone_id", "day");

-- The review backlog (open cases) of a camera or zone in the order it waits: its oldest and median off the index.
CREATE INDEX "violations_open_camera_id_zone_id_created_at_idx" ON "violations" ("camera_id", "zone_id", "created_at")
  WHERE "status" IN ('pending', 'needs_second_review') AND "superseded_by_id" IS NULL;

-- `n` at position `at` of an array of `len` zeros.
CREATE FUNCTION "stats_one_hot"(len INTEGER, at INTEGER, n INTEGER) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE AS $$
  SELECT array_fill(0, ARRAY[at - 1]) || n || array_fill(0, ARRAY[len - at])
$$;

-- Adds (sign 1) or takes back (sign -1) one violation's share of violation_stats, in its day's and its month's row.
CREATE FUNCTION "violation_stats_apply"(v "violations", sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  local_time TIMESTAMP;
  hour INTEGER;
  weekday INTEGER;
BEGIN
  IF v."superseded_by_id" IS NOT NULL THEN RETURN; END IF;
  SELECT v."start_time" AT TIME ZONE c."timezone" INTO local_time FROM "cameras" c WHERE c."id" = v."camera_id";
  hour := extract(hour FROM local_time)::INTEGER + 1;
  weekday := extract(isodow FROM local_time)::INTEGER;
  INSERT INTO "violation_stats" AS s ("grain", "period_start", "camera_id", "zone_id", "total", "confirmed", "rejected",
                                      "open", "hours", "weekdays")
  SELECT g.grain, g.period_start, v."camera_id", v."zone_id", sign,
         CASE WHEN v."status" = 'confirmed' THEN sign ELSE 0 END,
         CASE WHEN v."status" = 'rejected' THEN sign ELSE 0 END,
         CASE WHEN v."status" IN ('pending', 'needs_second_review') THEN sign ELSE 0 END,
         "stats_one_hot"(24, hour, sign), "stats_one_hot"(7, weekday, sign)
    FROM (VALUES ('day', local_time::DATE), ('month', date_trunc('month', local_time)::DATE)) g(grain, period_start)
  ON CONFLICT ("grain", "period_start", "camera_id", "zone_id") DO UPDATE SET
    "total" = s."total" + EXCLUDED."total",
    "confirmed" = s."confirmed" + EXCLUDED."confirmed",
    "rejected" = s."rejected" + EXCLUDED."rejected",
    "open" = s."open" + EXCLUDED."open",
    "hours"[hour] = s."hours"[hour] + sign,
    "weekdays"[weekday] = s."weekdays"[weekday] + sign;
END $$;

CREATE FUNCTION "violations_stats"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM "violation_stats_apply"(OLD, -1); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM "violation_stats_apply"(NEW, 1); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "violations_stats"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "zone_id", "superseded_by_id", "start_time", "camera_id"
  ON "violations" FOR EACH ROW EXECUTE FUNCTION "violations_stats"();

CREATE FUNCTION "review_actions_stats"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "review_stats" AS s ("day", "api_key_id", "user_id", "camera_id", "zone_id", "reviews")
  SELECT (NEW."created_at" AT TIME ZONE c."timezone")::DATE, NEW."api_key_id", NEW."user_id", g.camera_id, g.zone_id, 1
    FROM "violations" v JOIN "cameras" c ON c."id" = v."camera_id"
   CROSS JOIN LATERAL (VALUES (v."camera_id", v."zone_id"), (NULL::UUID, NULL::UUID)) g(camera_id, zone_id)
   WHERE v."id" = NEW."violation_id"
  ON CONFLICT ("day", "api_key_id", "user_id", "camera_id", "zone_id") DO UPDATE SET "reviews" = s."reviews" + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER "review_actions_stats" AFTER INSERT ON "review_actions"
  FOR EACH ROW EXECUTE FUNCTION "review_actions_stats"();

-- Counts both rollups afresh from their sources: fills them here, and after a bulk load made with the triggers off.
CREATE FUNCTION "rebuild_stats"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "violation_stats", "review_stats";
  EXECUTE format($q$
    INSERT INTO "violation_stats" ("grain", "period_start", "camera_id", "zone_id", "total", "confirmed", "rejected",
                                   "open", "hours", "weekdays")
    SELECT g.grain, g.period_start, l."camera_id", l."zone_id", count(*),
           count(*) FILTER (WHERE l."status" = 'confirmed'),
           count(*) FILTER (WHERE l."status" = 'rejected'),
           count(*) FILTER (WHERE l."status" IN ('pending', 'needs_second_review')),
           ARRAY[%s], ARRAY[%s]
      FROM (SELECT v."camera_id", v."zone_id", v."status", v."start_time" AT TIME ZONE c."timezone" AS "local_time"
              FROM "violations" v JOIN "cameras" c ON c."id" = v."camera_id"
             WHERE v."superseded_by_id" IS NULL) l
     CROSS JOIN LATERAL (VALUES ('day', l."local_time"::DATE), ('month', date_trunc('month', l."local_time")::DATE))
           g(grain, period_start)
     GROUP BY g.grain, g.period_start, l."camera_id", l."zone_id"$q$,
    (SELECT string_agg(format('count(*) FILTER (WHERE extract(hour FROM l."local_time") = %s)::INTEGER', i), ', '
                       ORDER BY i) FROM generate_series(0, 23) i),
    (SELECT string_agg(format('count(*) FILTER (WHERE extract(isodow FROM l."local_time") = %s)::INTEGER', i), ', '
                       ORDER BY i) FROM generate_series(1, 7) i));
  INSERT INTO "review_stats" ("day", "api_key_id", "user_id", "camera_id", "zone_id", "reviews")
  SELECT (r."created_at" AT TIME ZONE c."timezone")::DATE, r."api_key_id", r."user_id", g.camera_id, g.zone_id, count(*)
    FROM "review_actions" r JOIN "violations" v ON v."id" = r."violation_id" JOIN "cameras" c ON c."id" = v."camera_id"
   CROSS JOIN LATERAL (VALUES (v."camera_id", v."zone_id"), (NULL::UUID, NULL::UUID)) g(camera_id, zone_id)
   GROUP BY 1, 2, 3, 4, 5;
END $$;

-- Emptying violations (tests, a bulk load) empties its rollup too.
CREATE FUNCTION "violations_stats_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "violation_stats";
  RETURN NULL;
END $$;
CREATE TRIGGER "violations_stats_truncate" AFTER TRUNCATE ON "violations"
  FOR EACH STATEMENT EXECUTE FUNCTION "violations_stats_truncate"();

SELECT "rebuild_stats"();
