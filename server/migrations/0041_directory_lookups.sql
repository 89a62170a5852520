-- The login and client directories were readable as whole tables by the runtime role: one SQL
-- injection anywhere would list every tenant's staff emails and phones and every client id. Now
-- the runtime role sees only its own tenant's rows; finding the tenant of one exact login or
-- client id, before any tenant is known (sign-in, the token endpoint), goes through a function
-- that answers for that key and nothing else.
DROP POLICY lookup ON login_directory;
DROP POLICY lookup ON client_directory;
CREATE POLICY own_rows ON login_directory FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY own_rows ON client_directory FOR SELECT USING (tenant_id = app_current_tenant());
-- The functions below run as this owner role, which the forced row-level security binds too.
CREATE POLICY directory_lookup ON login_directory FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY directory_lookup ON client_directory FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION directory_login(p_login text) RETURNS TABLE (tenant_id uuid, user_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT d.tenant_id, d.user_id FROM login_directory d WHERE d.login = p_login $$;
CREATE FUNCTION directory_client(p_client_id text) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT d.tenant_id FROM client_directory d WHERE d.client_id = p_client_id $$;
REVOKE ALL ON FUNCTION directory_login(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION directory_client(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION directory_login(text) TO hospital_ops_app;
GRANT EXECUTE ON FUNCTION directory_client(text) TO hospital_ops_app;
