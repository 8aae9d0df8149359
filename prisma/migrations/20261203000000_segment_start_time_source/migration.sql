-- CreateEnum
CREATE TYPE "CaptureTimeSource" AS ENUM ('explicit', 'recorder', 'container', 'file_modified', 'received');

-- AlterTable
ALTER TABLE "segments" ADD COLUMN     "start_time_source" "CaptureTimeSource" NOT NULL DEFAULT 'received';
