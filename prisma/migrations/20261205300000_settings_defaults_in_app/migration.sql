-- The defaults of camera, zone and sign settings live in the application (src/core/camera-config.ts,
-- src/core/sign-warning.ts), which writes every value; a second copy here could drift from them unseen.
-- AlterTable
ALTER TABLE "cameras" ALTER COLUMN "timezone" DROP DEFAULT,
ALTER COLUMN "enabled" DROP DEFAULT,
ALTER COLUMN "plate_format" DROP DEFAULT;

-- AlterTable
ALTER TABLE "zones" ALTER COLUMN "min_dwell_seconds" DROP DEFAULT,
ALTER COLUMN "min_displacement" DROP DEFAULT,
ALTER COLUMN "direction_tolerance_deg" DROP DEFAULT,
ALTER COLUMN "classes" DROP DEFAULT,
ALTER COLUMN "require_rider" DROP DEFAULT;

-- AlterTable
ALTER TABLE "sign_settings" ALTER COLUMN "display_seconds" DROP DEFAULT,
ALTER COLUMN "speak" DROP DEFAULT;
