#!/bin/bash
# Runs once, on an empty data volume (docker-entrypoint-initdb.d): the app's own user, limited to `oms`.
set -euo pipefail
mongosh --quiet --host 127.0.0.1 --port 27017 --authenticationDatabase admin \
  -u "$MONGO_INITDB_ROOT_USERNAME" -p "$MONGO_INITDB_ROOT_PASSWORD" admin <<JS
db.getSiblingDB("oms").createUser({
  user: "oms",
  pwd: "${OMS_MONGO_PASSWORD:?}",
  roles: [{ role: "readWrite", db: "oms" }, { role: "dbAdmin", db: "oms" }],
});
JS
