-- AlterTable
ALTER TABLE "zones" ADD COLUMN     "classes" TEXT[] DEFAULT ARRAY['motorcycle']::TEXT[],
ADD COLUMN     "direction_tolerance_deg" DOUBLE PRECISION NOT NULL DEFAULT 60,
ADD COLUMN     "require_rider" BOOLEAN NOT NULL DEFAULT true;
