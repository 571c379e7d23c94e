/*
 * migrations.c - the versioned schema. Append only: never edit a released
 * migration, add a new one. db_migrate() applies the missing ones at start,
 * each in one transaction. SQL is portable between SQLite and PostgreSQL;
 * @ID@ and @BLOB@ are expanded by the driver (db.h).
 *
 * Times are UTC ISO 8601 text; geometry is WKB in WGS-84 lon/lat with its
 * bounding box and centre in plain columns for cheap filtering.
 */
#include "store/db_int.h"
#include "lib/banned.h"

static const char m1_org[] =
	/* key/value facts about the deployment, e.g. org_version */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('org_version', '0');"

	/* district 区 > town 镇街 > community 村/社区 > area 片区 > grid 网格 */
	"CREATE TABLE unit ("
	"  code TEXT PRIMARY KEY,"                 /* docs/codes.md */
	"  parent_code TEXT REFERENCES unit(code),"
	"  level INTEGER NOT NULL,"                /* 1 district .. 5 grid */
	"  kind TEXT NOT NULL,"                    /* 区 街道 镇 社区 村 片区 网格 */
	"  name TEXT NOT NULL,"
	"  grid_type TEXT,"                        /* grids: 综合网格 or 专属网格 */
	"  grid_subtype TEXT,"                     /* 专属网格: 学校 医院 工业园区 … */
	"  households INTEGER,"
	"  population INTEGER,"
	"  min_x DOUBLE PRECISION, min_y DOUBLE PRECISION,"
	"  max_x DOUBLE PRECISION, max_y DOUBLE PRECISION,"
	"  center_x DOUBLE PRECISION, center_y DOUBLE PRECISION,"
	"  area_m2 DOUBLE PRECISION,"
	"  geom @BLOB@,"                           /* WKB, WGS-84 */
	"  updated_at TEXT NOT NULL);"
	"CREATE INDEX unit_parent ON unit (parent_code, code);"
	"CREATE INDEX unit_level ON unit (level, code);"
	"CREATE INDEX unit_name ON unit (name);"

	"CREATE TABLE person ("
	"  id @ID@,"
	"  name TEXT NOT NULL,"
	"  phone TEXT,"                            /* work phone, public for grid staff */
	"  gender TEXT,"
	"  created_at TEXT NOT NULL);"

	/* A post is one person holding one role in one unit for a period. */
	"CREATE TABLE post ("
	"  id @ID@,"
	"  person_id BIGINT NOT NULL REFERENCES person(id),"
	"  unit_code TEXT NOT NULL REFERENCES unit(code),"
	"  role TEXT NOT NULL,"                    /* see store_staff.h */
	"  title TEXT,"                            /* 组长 副组长 成员 专职网格员 … */
	"  start_date TEXT NOT NULL,"
	"  end_date TEXT);"                        /* NULL while held */
	"CREATE INDEX post_unit ON post (unit_code, role);"
	"CREATE INDEX post_person ON post (person_id);";

static const char m2_accounts[] =
	/* 职能部门: departments are units of their own, outside the territorial
	 * tree; code = district code + "-" + short name, e.g. 440111-cg */
	"CREATE TABLE department ("
	"  code TEXT PRIMARY KEY,"
	"  district_code TEXT NOT NULL REFERENCES unit(code),"
	"  name TEXT NOT NULL,"
	"  created_at TEXT NOT NULL);"

	"CREATE TABLE account ("
	"  id @ID@,"
	"  username TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  person_id BIGINT REFERENCES person(id),"
	"  phone TEXT,"                            /* personal: masked by default */
	"  password_hash TEXT NOT NULL,"           /* Argon2id, crypto_pwhash_str */
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  must_change_password INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL);"

	/* a grant: one role over one subtree (unit code or department code) */
	"CREATE TABLE account_role ("
	"  id @ID@,"
	"  account_id BIGINT NOT NULL REFERENCES account(id),"
	"  role TEXT NOT NULL,"
	"  scope_code TEXT NOT NULL,"
	"  title TEXT,"                            /* 值班长 / 调度员 …, shown only */
	"  granted_by BIGINT,"
	"  granted_at TEXT NOT NULL,"
	"  UNIQUE (account_id, role, scope_code));"
	"CREATE INDEX account_role_account ON account_role (account_id);"

	/* sessions and API tokens: only a BLAKE2b hash of the token is kept */
	"CREATE TABLE session ("
	"  id @ID@,"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  account_id BIGINT NOT NULL REFERENCES account(id),"
	"  kind TEXT NOT NULL,"                    /* web | app | api */
	"  name TEXT,"                             /* API tokens: their name */
	"  roles INTEGER NOT NULL DEFAULT 0,"      /* API tokens: role mask they may use; 0 = all */
	"  csrf_token TEXT,"                       /* web sessions */
	"  created_at TEXT NOT NULL,"
	"  last_seen_at TEXT NOT NULL,"
	"  expires_at TEXT NOT NULL,"              /* absolute expiry */
	"  idle_seconds INTEGER NOT NULL,"         /* 0 = no idle expiry */
	"  revoked_at TEXT,"
	"  ip TEXT,"
	"  user_agent TEXT);"
	"CREATE INDEX session_account ON session (account_id);"

	/* failed log-ins per account and per address, for back-off and lock-out */
	"CREATE TABLE login_throttle ("
	"  key TEXT PRIMARY KEY,"                  /* u:<username> or ip:<address> */
	"  failures INTEGER NOT NULL,"
	"  first_failure_at TEXT NOT NULL,"
	"  locked_until TEXT);"

	/* append-only, hash-chained audit log */
	"CREATE TABLE audit ("
	"  id @ID@,"
	"  at TEXT NOT NULL,"
	"  account_id BIGINT,"
	"  actor TEXT NOT NULL,"                   /* username, or "-" */
	"  role TEXT,"
	"  scope_code TEXT,"
	"  action TEXT NOT NULL,"                  /* auth.login, user.grant, pii.read … */
	"  target TEXT,"
	"  ip TEXT,"
	"  result TEXT NOT NULL,"                  /* ok | denied | failed */
	"  detail TEXT,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL);";

const struct db_migration db_migrations[] = {
	{1, "org units, people and posts", m1_org},
	{2, "departments, accounts, roles, sessions, throttling, audit", m2_accounts},
};
const int db_nmigrations = sizeof(db_migrations) / sizeof(db_migrations[0]);
