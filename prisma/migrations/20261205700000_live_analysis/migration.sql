-- Live analysis (issue 14): a violation is stored as its rule fires, before its footage segment closes, so it has no
-- analysis run until its evidence package is written; evidence_state says where the package is.
CREATE TYPE "EvidenceState" AS ENUM ('evidence_pending', 'ready', 'failed');

ALTER TABLE "violations" ALTER COLUMN "run_id" DROP NOT NULL;
ALTER TABLE "violations" ADD COLUMN "evidence_state" "EvidenceState" NOT NULL DEFAULT 'ready';

ALTER TABLE "segments" ADD COLUMN "live_analysed" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "live_violations" (
    "violation_id" UUID NOT NULL,
    "camera_id" UUID NOT NULL,
    "connection_id" TEXT NOT NULL,
    "stream_start" TIMESTAMPTZ(3) NOT NULL,
    "event" JSONB NOT NULL,
    "plate" JSONB NOT NULL,
    "analysed_width" INTEGER NOT NULL,
    "analysed_height" INTEGER NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "live_violations_pkey" PRIMARY KEY ("violation_id")
);
CREATE INDEX "live_violations_camera_id_idx" ON "live_violations"("camera_id");
ALTER TABLE "live_violations" ADD CONSTRAINT "live_violations_violation_id_fkey" FOREIGN KEY ("violation_id")
    REFERENCES "violations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
