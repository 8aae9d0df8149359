-- Where a camera stands (a notice states the place of the offence), and that place as it was when each violation
-- was found: a camera moved or an address corrected later does not rewrite the cases already on record.
ALTER TABLE "cameras" ADD COLUMN "address" TEXT;
ALTER TABLE "cameras" ADD COLUMN "latitude" DOUBLE PRECISION;
ALTER TABLE "cameras" ADD COLUMN "longitude" DOUBLE PRECISION;
ALTER TABLE "violations" ADD COLUMN "location_address" TEXT;
ALTER TABLE "violations" ADD COLUMN "location_latitude" DOUBLE PRECISION;
ALTER TABLE "violations" ADD COLUMN "location_longitude" DOUBLE PRECISION;
