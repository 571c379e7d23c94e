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

const struct db_migration db_migrations[] = {
	{1, "org units, people and posts", m1_org},
};
const int db_nmigrations = sizeof(db_migrations) / sizeof(db_migrations[0]);
