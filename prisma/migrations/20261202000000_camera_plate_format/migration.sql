-- CreateEnum
CREATE TYPE "PlateFormat" AS ENUM ('kr', 'none');

-- AlterTable
ALTER TABLE "cameras" ADD COLUMN     "plate_format" "PlateFormat" NOT NULL DEFAULT 'kr';
