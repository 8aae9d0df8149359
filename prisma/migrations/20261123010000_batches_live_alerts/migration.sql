-- CreateEnum
CREATE TYPE "BatchStatus" AS ENUM ('running', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "BatchItemStatus" AS ENUM ('pending', 'done', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "FeedStatus" AS ENUM ('connecting', 'recording', 'reconnecting', 'stopped');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- CreateTable
CREATE TABLE "batches" (
    "id" UUID NOT NULL,
    "camera_id" UUID NOT NULL,
    "folder" TEXT,
    "range_start" TIMESTAMPTZ(3),
    "range_end" TIMESTAMPTZ(3),
    "pipeline_version" TEXT NOT NULL,
    "status" "BatchStatus" NOT NULL DEFAULT 'running',
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "flow_job_id" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batch_items" (
    "id" UUID NOT NULL,
    "batch_id" UUID NOT NULL,
    "segment_id" UUID NOT NULL,
    "status" "BatchItemStatus" NOT NULL DEFAULT 'pending',
    "run_id" UUID,
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "batch_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "camera_health" (
    "camera_id" UUID NOT NULL,
    "status" "FeedStatus" NOT NULL DEFAULT 'connecting',
    "last_segment_at" TIMESTAMPTZ(3),
    "fps" DOUBLE PRECISION,
    "segments_recorded" INTEGER NOT NULL DEFAULT 0,
    "reconnects" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "camera_health_pkey" PRIMARY KEY ("camera_id")
);

-- CreateTable
CREATE TABLE "webhook_subscriptions" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "camera_id" UUID,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "violation_id" UUID NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "response_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "batches_status_idx" ON "batches"("status");

-- CreateIndex
CREATE INDEX "batches_camera_id_created_at_idx" ON "batches"("camera_id", "created_at");

-- CreateIndex
CREATE INDEX "batch_items_segment_id_idx" ON "batch_items"("segment_id");

-- CreateIndex
CREATE UNIQUE INDEX "batch_items_batch_id_segment_id_key" ON "batch_items"("batch_id", "segment_id");

-- CreateIndex
CREATE INDEX "webhook_subscriptions_camera_id_idx" ON "webhook_subscriptions"("camera_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_idx" ON "webhook_deliveries"("status");

-- CreateIndex
CREATE INDEX "webhook_deliveries_violation_id_idx" ON "webhook_deliveries"("violation_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_subscription_id_violation_id_key" ON "webhook_deliveries"("subscription_id", "violation_id");

-- AddForeignKey
ALTER TABLE "batches" ADD CONSTRAINT "batches_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_items" ADD CONSTRAINT "batch_items_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "batches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_items" ADD CONSTRAINT "batch_items_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_items" ADD CONSTRAINT "batch_items_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "analysis_runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "camera_health" ADD CONSTRAINT "camera_health_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_violation_id_fkey" FOREIGN KEY ("violation_id") REFERENCES "violations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Alerts: every committed violation is announced on the `violation_recorded` channel (payload: its id). NOTIFY is
-- delivered only when the inserting transaction commits, so listeners never see a violation whose evidence rows
-- were rolled back, whichever process persisted it.
CREATE FUNCTION "notify_violation_recorded"() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('violation_recorded', NEW."id"::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "violations_notify_recorded" AFTER INSERT ON "violations"
    FOR EACH ROW EXECUTE FUNCTION "notify_violation_recorded"();
