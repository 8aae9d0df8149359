-- The name a file had when it was uploaded or registered: the stored copy is renamed to an id.
ALTER TABLE "segments" ADD COLUMN "original_name" TEXT;

-- A re-analysis stores a new run beside the old one; the same event in both is one case. The one that does
-- not stand points at the one that does (an unreviewed old case at its new counterpart, a new case at an
-- old one already reviewed), and lists leave it out.
ALTER TABLE "violations" ADD COLUMN "superseded_by_id" UUID;
ALTER TABLE "violations" ADD CONSTRAINT "violations_superseded_by_id_fkey" FOREIGN KEY ("superseded_by_id") REFERENCES "violations"("id") ON DELETE SET NULL ON UPDATE CASCADE;
