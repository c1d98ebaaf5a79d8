#!/bin/sh
# Run once by the postgres image when it creates the database (docker-entrypoint-initdb.d).
# The application's role owns nothing: `manage.py db_grant_app_role care_app` (the migrate
# service, as the owner) gives it the tables, and on the access log only INSERT and SELECT.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE care_app LOGIN PASSWORD :'app_password';
SQL
