-- CreateEnum
CREATE TYPE "ZoneKind" AS ENUM ('sidewalk', 'crosswalk', 'park', 'restricted_road', 'other');

-- CreateEnum
CREATE TYPE "SegmentStatus" AS ENUM ('pending', 'queued', 'processing', 'done', 'failed');

-- CreateEnum
CREATE TYPE "ViolationStatus" AS ENUM ('pending', 'confirmed', 'rejected', 'needs_second_review');

-- CreateEnum
CREATE TYPE "EvidenceRole" AS ENUM ('clip', 'keyframe', 'annotated', 'vehicle_crop', 'plate_crop', 'manifest');

-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('confirm', 'reject', 'correct_plate');

-- CreateEnum
CREATE TYPE "ApiRole" AS ENUM ('officer', 'ops', 'admin');

-- CreateTable
CREATE TABLE "cameras" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "source_url" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'Asia/Seoul',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "frame_width" INTEGER,
    "frame_height" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cameras_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "zones" (
    "id" UUID NOT NULL,
    "camera_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ZoneKind" NOT NULL,
    "polygon" JSONB NOT NULL,
    "schedule" JSONB,
    "min_dwell_seconds" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "min_displacement" DOUBLE PRECISION NOT NULL DEFAULT 0.03,
    "allowed_direction_deg" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "zones_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segments" (
    "id" UUID NOT NULL,
    "camera_id" UUID NOT NULL,
    "file_uri" TEXT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "start_time" TIMESTAMPTZ(3) NOT NULL,
    "duration_sec" DOUBLE PRECISION,
    "status" "SegmentStatus" NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "segments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis_runs" (
    "id" UUID NOT NULL,
    "segment_id" UUID NOT NULL,
    "pipeline_version" TEXT NOT NULL,
    "model_fingerprints" JSONB NOT NULL,
    "config_hash" CHAR(64) NOT NULL,
    "timings" JSONB NOT NULL,
    "frames_analysed" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analysis_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "violations" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "camera_id" UUID NOT NULL,
    "zone_id" UUID,
    "zone_name" TEXT NOT NULL,
    "zone_kind" "ZoneKind" NOT NULL,
    "track_id" INTEGER NOT NULL,
    "start_time" TIMESTAMPTZ(3) NOT NULL,
    "end_time" TIMESTAMPTZ(3) NOT NULL,
    "start_sec" DOUBLE PRECISION NOT NULL,
    "end_sec" DOUBLE PRECISION NOT NULL,
    "status" "ViolationStatus" NOT NULL DEFAULT 'pending',
    "plate_text" TEXT,
    "plate_confidence" DOUBLE PRECISION,
    "plate_candidates" JSONB NOT NULL DEFAULT '[]',
    "plate_type" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "violations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evidence_files" (
    "id" UUID NOT NULL,
    "violation_id" UUID NOT NULL,
    "role" "EvidenceRole" NOT NULL,
    "path" TEXT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "mime" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evidence_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_actions" (
    "id" UUID NOT NULL,
    "violation_id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "reviewer" TEXT NOT NULL,
    "decision" "ReviewDecision" NOT NULL,
    "reason_code" TEXT,
    "plate_correction" TEXT,
    "previous_status" "ViolationStatus" NOT NULL,
    "new_status" "ViolationStatus" NOT NULL,
    "previous_plate" TEXT,
    "previous_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "review_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "prev_hash" CHAR(64) NOT NULL,
    "hash" CHAR(64) NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "key_hash" CHAR(64) NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "ApiRole" NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "cameras_name_key" ON "cameras"("name");

-- CreateIndex
CREATE UNIQUE INDEX "zones_camera_id_name_key" ON "zones"("camera_id", "name");

-- CreateIndex
CREATE INDEX "segments_status_idx" ON "segments"("status");

-- CreateIndex
CREATE INDEX "segments_camera_id_start_time_idx" ON "segments"("camera_id", "start_time");

-- CreateIndex
CREATE UNIQUE INDEX "segments_camera_id_sha256_key" ON "segments"("camera_id", "sha256");

-- CreateIndex
CREATE UNIQUE INDEX "analysis_runs_segment_id_pipeline_version_config_hash_key" ON "analysis_runs"("segment_id", "pipeline_version", "config_hash");

-- CreateIndex
CREATE INDEX "violations_status_start_time_idx" ON "violations"("status", "start_time");

-- CreateIndex
CREATE INDEX "violations_camera_id_start_time_idx" ON "violations"("camera_id", "start_time");

-- CreateIndex
CREATE INDEX "violations_zone_id_idx" ON "violations"("zone_id");

-- CreateIndex
CREATE INDEX "violations_run_id_idx" ON "violations"("run_id");

-- CreateIndex
CREATE INDEX "evidence_files_violation_id_idx" ON "evidence_files"("violation_id");

-- CreateIndex
CREATE INDEX "review_actions_violation_id_created_at_idx" ON "review_actions"("violation_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_hash_key" ON "audit_log"("hash");

-- CreateIndex
CREATE INDEX "audit_log_entity_type_entity_id_idx" ON "audit_log"("entity_type", "entity_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_role_idx" ON "api_keys"("role");

-- AddForeignKey
ALTER TABLE "zones" ADD CONSTRAINT "zones_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segments" ADD CONSTRAINT "segments_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis_runs" ADD CONSTRAINT "analysis_runs_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "violations" ADD CONSTRAINT "violations_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "analysis_runs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "violations" ADD CONSTRAINT "violations_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "violations" ADD CONSTRAINT "violations_zone_id_fkey" FOREIGN KEY ("zone_id") REFERENCES "zones"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evidence_files" ADD CONSTRAINT "evidence_files_violation_id_fkey" FOREIGN KEY ("violation_id") REFERENCES "violations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_actions" ADD CONSTRAINT "review_actions_violation_id_fkey" FOREIGN KEY ("violation_id") REFERENCES "violations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_actions" ADD CONSTRAINT "review_actions_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below this line: Prisma cannot express triggers.
-- review_actions and audit_log are append-only; UPDATE, DELETE and TRUNCATE raise an exception.
CREATE FUNCTION "reject_append_only_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "review_actions_append_only" BEFORE UPDATE OR DELETE ON "review_actions"
    FOR EACH ROW EXECUTE FUNCTION "reject_append_only_change"();

CREATE TRIGGER "review_actions_no_truncate" BEFORE TRUNCATE ON "review_actions"
    FOR EACH STATEMENT EXECUTE FUNCTION "reject_append_only_change"();

CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log"
    FOR EACH ROW EXECUTE FUNCTION "reject_append_only_change"();

CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
    FOR EACH STATEMENT EXECUTE FUNCTION "reject_append_only_change"();
