-- API processes keep live keys in memory (src/api/key-cache.ts); any change to api_keys (a revocation by the keys CLI,
-- another API process or plain SQL) tells them at commit to forget what they hold.
CREATE FUNCTION "notify_api_key_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('api_key_changed', TG_OP);
  RETURN NULL;
END
$$;

CREATE TRIGGER "api_keys_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "api_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_api_key_changed"();
