-- CreateTable
CREATE TABLE "sign_settings" (
    "camera_id" UUID NOT NULL,
    "warning_text" TEXT,
    "display_seconds" INTEGER NOT NULL DEFAULT 10,
    "speak" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sign_settings_pkey" PRIMARY KEY ("camera_id")
);

-- CreateTable
CREATE TABLE "sign_tokens" (
    "id" UUID NOT NULL,
    "camera_id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "prefix" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "sign_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sign_tokens_token_hash_key" ON "sign_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "sign_tokens_camera_id_idx" ON "sign_tokens"("camera_id");

-- AddForeignKey
ALTER TABLE "sign_settings" ADD CONSTRAINT "sign_settings_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sign_tokens" ADD CONSTRAINT "sign_tokens_camera_id_fkey" FOREIGN KEY ("camera_id") REFERENCES "cameras"("id") ON DELETE CASCADE ON UPDATE CASCADE;
