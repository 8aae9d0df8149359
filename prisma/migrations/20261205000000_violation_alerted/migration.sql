-- AlterTable: when a violation's alert went out (or was decided against: a rerun, a batch, late footage), so that
-- alerts missed during an outage are sent once after it, and never twice.
ALTER TABLE "violations" ADD COLUMN "alerted_at" TIMESTAMPTZ(3);

-- Violations stored before this migration are not alerted afresh.
UPDATE "violations" SET "alerted_at" = "created_at";
