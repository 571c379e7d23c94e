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


/* Grid events (网格事件) and their closed loop: docs/events.md. Event times
 * are Unix seconds (INTEGER), for deadline arithmetic; `day` columns are the
 * local date (China Standard Time) an event was reported, the cohort its
 * KPIs count in (docs/kpi.md). */
static const char m3_events[] =
	/* two-level taxonomy; level 1 rows group level 2 rows; time limits in
	 * minutes per phase (an event of level 1 category uses its own) */
	"CREATE TABLE event_category ("
	"  code TEXT PRIMARY KEY,"                 /* 'mdjf', 'mdjf.lljf' */
	"  parent_code TEXT REFERENCES event_category(code),"
	"  name TEXT NOT NULL,"
	"  accept_minutes INTEGER NOT NULL,"       /* 受理时限 */
	"  handle_minutes INTEGER NOT NULL,"       /* 处置时限 */
	"  verify_minutes INTEGER NOT NULL,"       /* 核查时限 */
	"  sort INTEGER NOT NULL DEFAULT 0,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  updated_at TEXT NOT NULL);"

	"CREATE TABLE event ("
	"  id @ID@,"
	"  source TEXT NOT NULL,"                  /* patrol resident wechat hotline assigned */
	"  external_id TEXT,"                      /* 12345 work-order number */
	"  category_code TEXT NOT NULL REFERENCES event_category(code),"
	"  title TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  lon DOUBLE PRECISION NOT NULL,"         /* WGS-84 */
	"  lat DOUBLE PRECISION NOT NULL,"
	"  cell BIGINT NOT NULL DEFAULT 0,"        /* 0.001° square, for near-duplicates (store_event.c) */
	"  crs TEXT NOT NULL,"                     /* the reporter's coordinate system */
	"  address TEXT,"
	"  grid_code TEXT NOT NULL REFERENCES unit(code),"
	"  community_code TEXT GENERATED ALWAYS AS (substr(grid_code, 1, 12)) STORED," /* for the queue */
	"  grid_reason TEXT,"                      /* set when the grid was chosen by hand */
	"  urgency INTEGER NOT NULL,"              /* 1 一般 2 紧急 3 特急 */
	"  status TEXT NOT NULL,"                  /* domain/event_flow.h */
	"  loop TEXT NOT NULL,"                    /* internal | external */
	"  level INTEGER NOT NULL,"                /* org level holding it: 3 community, 2 town, 1 district */
	"  holder_code TEXT NOT NULL,"             /* unit holding it now (community/town/district) */
	"  dept_code TEXT,"                        /* department it was dispatched to */
	"  assignee_id BIGINT,"                    /* account handling it, when assigned */
	"  reporter_id BIGINT,"                    /* account that reported it */
	"  reporter_name TEXT,"
	"  reporter_phone TEXT,"                   /* personal: masked on output */
	"  handler_id BIGINT,"                     /* account that did the handling (处置完成) */
	"  verifier_id BIGINT,"
	"  master_id BIGINT,"                      /* merged into (合并) */
	"  pending TEXT,"                          /* an open request: extend | to_internal */
	"  pending_minutes INTEGER,"               /* extension asked for */
	"  pending_by BIGINT,"
	"  prev_status TEXT,"                      /* for 回退 */
	"  phase_started_at INTEGER NOT NULL,"
	"  warn_at INTEGER,"                       /* yellow from here (80% of the limit) */
	"  deadline_at INTEGER,"                   /* red from here */
	"  due_at INTEGER,"                        /* whole-event deadline for 按期办结 */
	"  next_check_at INTEGER,"                 /* when the warning job must look again */
	"  warning INTEGER NOT NULL DEFAULT 0,"    /* 0 none 1 yellow 2 red */
	"  supervision INTEGER NOT NULL DEFAULT 0," /* 0 none 1 普通 2 黄牌 3 红牌 */
	"  overdue INTEGER NOT NULL DEFAULT 0,"    /* 1 once due_at passed while open (stays) */
	"  rework_count INTEGER NOT NULL DEFAULT 0,"
	"  extension_count INTEGER NOT NULL DEFAULT 0,"
	"  reopen_count INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0,"  /* ever left the internal loop */
	"  rating INTEGER,"                        /* 1 满意 2 基本满意 3 不满意 */
	"  rating_note TEXT,"
	"  result TEXT,"                           /* 处置结果 */
	"  reject_reason TEXT,"                    /* 不予受理 reason the reporter sees */
	"  day TEXT NOT NULL,"                     /* local date reported: the KPI cohort */
	"  created_at INTEGER NOT NULL,"
	"  accepted_at INTEGER,"
	"  closed_at INTEGER,"
	"  updated_at INTEGER NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1);"
	"CREATE UNIQUE INDEX event_external ON event (source, external_id) WHERE external_id IS NOT NULL;"
	"CREATE INDEX event_grid ON event (grid_code, id);"
	"CREATE INDEX event_community ON event (community_code, id);"
	/* open events (only they have a deadline): the queues by deadline */
	"CREATE INDEX event_open ON event (deadline_at, id) WHERE deadline_at IS NOT NULL;"
	"CREATE INDEX event_open_newest ON event (id) WHERE deadline_at IS NOT NULL;"
	"CREATE INDEX event_open_community ON event (community_code, deadline_at, id) WHERE deadline_at IS NOT NULL;"
	"CREATE INDEX event_open_grid ON event (grid_code, deadline_at, id) WHERE deadline_at IS NOT NULL;"
	"CREATE INDEX event_check ON event (next_check_at) WHERE next_check_at IS NOT NULL;"
	"CREATE INDEX event_dept ON event (dept_code, status, id) WHERE dept_code IS NOT NULL;"
	"CREATE INDEX event_reporter ON event (reporter_id, id);"
	"CREATE INDEX event_assignee ON event (assignee_id, status) WHERE assignee_id IS NOT NULL;"
	"CREATE INDEX event_created ON event (created_at, id);"
	"CREATE INDEX event_master ON event (master_id) WHERE master_id IS NOT NULL;"
	"CREATE INDEX event_near ON event (category_code, cell, created_at);"

	/* the timeline: one row per step; its id orders the live stream */
	"CREATE TABLE event_log ("
	"  id @ID@,"
	"  event_id BIGINT NOT NULL REFERENCES event(id),"
	"  at INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"                  /* report accept dispatch … */
	"  from_status TEXT,"
	"  to_status TEXT NOT NULL,"
	"  actor_id BIGINT,"
	"  actor_name TEXT,"
	"  role TEXT,"
	"  unit_code TEXT,"                        /* the unit or department acted for */
	"  note TEXT,"
	"  detail TEXT,"                           /* JSON: target, minutes, rating … */
	"  photos TEXT,"                           /* comma-separated sha256 */
	"  public INTEGER NOT NULL DEFAULT 1,"     /* shown to the reporting resident */
	"  grid_code TEXT NOT NULL,"               /* for the stream's scope filter … */
	"  dept_code TEXT);"                       /* … the department holding it then */
	"CREATE INDEX event_log_event ON event_log (event_id, id);"

	/* photos are files named by their SHA-256 under the photo directory;
	 * this table records what was stored and who sent it */
	"CREATE TABLE photo ("
	"  sha256 TEXT PRIMARY KEY,"
	"  mime TEXT NOT NULL,"                    /* image/jpeg image/png image/webp */
	"  bytes INTEGER NOT NULL,"
	"  account_id BIGINT,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE event_photo ("
	"  event_id BIGINT NOT NULL REFERENCES event(id),"
	"  sha256 TEXT NOT NULL REFERENCES photo(sha256),"
	"  log_id BIGINT,"                         /* the step that attached it */
	"  kind TEXT NOT NULL,"                    /* report | result | verify */
	"  PRIMARY KEY (event_id, sha256));"

	/* 督办 */
	"CREATE TABLE event_supervision ("
	"  id @ID@,"
	"  event_id BIGINT NOT NULL REFERENCES event(id),"
	"  level INTEGER NOT NULL,"                /* 1 普通 2 黄牌 3 红牌 */
	"  unit_code TEXT NOT NULL,"               /* the supervising level */
	"  actor_id BIGINT,"                       /* NULL: raised by the system */
	"  note TEXT,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX event_supervision_event ON event_supervision (event_id);"
	"CREATE INDEX event_supervision_unit ON event_supervision (unit_code, at);"

	/* client retries: (account, key) -> the event its first request made */
	"CREATE TABLE event_idem ("
	"  account_id BIGINT NOT NULL,"            /* 0 for anonymous reports */
	"  idem_key TEXT NOT NULL,"
	"  body_hash TEXT NOT NULL,"
	"  event_id BIGINT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (account_id, idem_key));"

	/* KPI counters kept incrementally: per grain (d = day, m = month),
	 * period start (YYYY-MM-DD), unit at every level of the event's grid
	 * (district … grid), category and source. docs/kpi.md */
	"CREATE TABLE kpi_agg ("
	"  grain TEXT NOT NULL,"
	"  period TEXT NOT NULL,"
	"  unit_code TEXT NOT NULL,"
	"  category_code TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  reported INTEGER NOT NULL DEFAULT 0,"
	"  accepted INTEGER NOT NULL DEFAULT 0,"
	"  rejected INTEGER NOT NULL DEFAULT 0,"
	"  closed INTEGER NOT NULL DEFAULT 0,"
	"  closed_on_time INTEGER NOT NULL DEFAULT 0,"
	"  closed_internal INTEGER NOT NULL DEFAULT 0,"
	"  closed_late INTEGER NOT NULL DEFAULT 0,"
	"  overdue_open INTEGER NOT NULL DEFAULT 0,"
	"  rework INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0,"
	"  handle_seconds BIGINT NOT NULL DEFAULT 0,"
	"  rated INTEGER NOT NULL DEFAULT 0,"
	"  rate_good INTEGER NOT NULL DEFAULT 0,"
	"  rate_ok INTEGER NOT NULL DEFAULT 0,"
	"  rate_bad INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (grain, period, unit_code, category_code, source));";

/* The command centres (指挥中心, the district and each town): duty rota,
 * shift logs, dispatch equipment and the forces they dispatch, with their
 * last known position. docs/command-centre.md. Duty dates are local dates
 * (China Standard Time) as YYYY-MM-DD; force times are Unix seconds. */
static const char m4_command[] =
	/* 值班安排: the weekly pattern, one row per person per weekday's shift,
	 * valid from starts_on to ends_on (NULL: open); replacing the pattern
	 * ends the old rows, so past calendars stay as they were */
	"CREATE TABLE duty_pattern ("
	"  id @ID@,"
	"  centre_code TEXT NOT NULL REFERENCES unit(code),"
	"  weekday INTEGER NOT NULL,"              /* 1 Monday .. 7 Sunday */
	"  shift TEXT NOT NULL,"                   /* day night full */
	"  role TEXT NOT NULL,"                    /* leader (带班领导) officer (值班员) */
	"  person_id BIGINT NOT NULL REFERENCES person(id),"
	"  starts_on TEXT NOT NULL,"
	"  ends_on TEXT,"
	"  created_by BIGINT,"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX duty_pattern_centre ON duty_pattern (centre_code, starts_on);"

	/* dated exceptions: add / remove one person, or clear a shift */
	"CREATE TABLE duty_exception ("
	"  id @ID@,"
	"  centre_code TEXT NOT NULL REFERENCES unit(code),"
	"  day TEXT NOT NULL,"
	"  shift TEXT NOT NULL,"
	"  action TEXT NOT NULL,"                  /* add remove clear */
	"  role TEXT,"                             /* add: leader | officer */
	"  person_id BIGINT REFERENCES person(id),"
	"  note TEXT,"
	"  created_by BIGINT,"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX duty_exception_centre ON duty_exception (centre_code, day);"

	/* 换班: from gives (day, shift) to to; with back_day to gives that back */
	"CREATE TABLE duty_swap ("
	"  id @ID@,"
	"  centre_code TEXT NOT NULL REFERENCES unit(code),"
	"  day TEXT NOT NULL,"
	"  shift TEXT NOT NULL,"
	"  from_person_id BIGINT NOT NULL REFERENCES person(id),"
	"  to_person_id BIGINT NOT NULL REFERENCES person(id),"
	"  back_day TEXT,"
	"  back_shift TEXT,"
	"  reason TEXT,"
	"  status TEXT NOT NULL,"                  /* pending approved rejected */
	"  requested_by BIGINT,"                   /* account */
	"  decided_by BIGINT,"
	"  decided_at TEXT,"
	"  decision_note TEXT,"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX duty_swap_day ON duty_swap (centre_code, day);"
	"CREATE INDEX duty_swap_back ON duty_swap (centre_code, back_day);"
	"CREATE INDEX duty_swap_status ON duty_swap (status, centre_code, id);"

	/* 值班日志 and 交接班 notes of one shift */
	"CREATE TABLE duty_log ("
	"  id @ID@,"
	"  centre_code TEXT NOT NULL REFERENCES unit(code),"
	"  day TEXT NOT NULL,"
	"  shift TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"                    /* log handover */
	"  body TEXT NOT NULL,"
	"  author_id BIGINT,"
	"  author_name TEXT NOT NULL,"
	"  created_at TEXT NOT NULL);"
	"CREATE INDEX duty_log_centre ON duty_log (centre_code, day, id);"

	/* 调度设备 */
	"CREATE TABLE equipment ("
	"  id @ID@,"
	"  unit_code TEXT NOT NULL REFERENCES unit(code),"
	"  kind TEXT NOT NULL,"                    /* screen computer radio camera */
	"  name TEXT NOT NULL,"
	"  status TEXT NOT NULL,"                  /* online offline fault */
	"  channel TEXT,"                          /* radios */
	"  talkgroup TEXT,"
	"  lon DOUBLE PRECISION,"                  /* WGS-84; cameras */
	"  lat DOUBLE PRECISION,"
	"  stream_url TEXT,"                       /* cameras */
	"  note TEXT,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL);"
	"CREATE INDEX equipment_unit ON equipment (unit_code, kind);"

	/* 最小应急单元 */
	"CREATE TABLE emergency_unit ("
	"  id @ID@,"
	"  unit_code TEXT NOT NULL REFERENCES unit(code),"
	"  name TEXT NOT NULL,"
	"  leader_name TEXT,"
	"  leader_phone TEXT,"
	"  members TEXT NOT NULL,"                 /* JSON [{name, phone}] */
	"  equipment TEXT NOT NULL,"               /* JSON ["灭火器", …] */
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL);"
	"CREATE INDEX emergency_unit_unit ON emergency_unit (unit_code);"

	/* 志愿者 */
	"CREATE TABLE volunteer ("
	"  id @ID@,"
	"  unit_code TEXT NOT NULL REFERENCES unit(code),"
	"  name TEXT NOT NULL,"
	"  phone TEXT,"                            /* personal: masked on output */
	"  skills TEXT,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL);"
	"CREATE INDEX volunteer_unit ON volunteer (unit_code);"

	/* status and last known position of every force: staff by person id,
	 * emergency units and volunteers by their own id */
	"CREATE TABLE force_status ("
	"  kind TEXT NOT NULL,"                    /* grid_worker grid_leader station_head emergency_unit volunteer */
	"  ref_id BIGINT NOT NULL,"
	"  unit_code TEXT NOT NULL REFERENCES unit(code),"
	"  name TEXT NOT NULL,"
	"  status TEXT NOT NULL,"                  /* on_duty on_patrol handling off */
	"  lon DOUBLE PRECISION,"                  /* WGS-84 */
	"  lat DOUBLE PRECISION,"
	"  position_at INTEGER,"
	"  updated_at INTEGER NOT NULL,"
	"  account_id BIGINT,"                     /* who reported it */
	"  PRIMARY KEY (kind, ref_id));"
	"CREATE INDEX force_status_unit ON force_status (unit_code);";

/* The command big screen (app/screen.h, store/store_screen.c) reads a
 * month of a district's events (~22,000) and the closings of 30 days on
 * every refresh: two covering indexes, so those scans never touch the
 * (wide) event rows. */
static const char m5_screen[] =
	"CREATE INDEX event_screen ON event (created_at, grid_code, status, overdue, due_at, closed_at,"
	" rating, escalated, category_code, source, day);"
	"CREATE INDEX event_closed ON event (closed_at, grid_code, status);";

/* Report intake (docs/performance.md, "Report intake"):
 * - near-duplicates (store_event_near) are looked for among open events
 *   only, cell by cell, newest first: the index holds open events only, so
 *   a hotspot's closed history costs intake nothing, and covers the scan
 *   (position, and deadline_at for the partial index's condition);
 * - the tables written on every report and keyed by their primary key alone
 *   are clustered on it (SQLite WITHOUT ROWID: one B-tree instead of a table
 *   and its key's index, half the pages an upsert touches; on PostgreSQL the
 *   same tables are simply rebuilt). */
static const char m6_intake[] =
	"DROP INDEX event_near;"
	"CREATE INDEX event_near ON event (category_code, cell, created_at, lon, lat, deadline_at)"
	" WHERE deadline_at IS NOT NULL;"
	"CREATE TABLE kpi_agg_new ("
	"  grain TEXT NOT NULL,"
	"  period TEXT NOT NULL,"
	"  unit_code TEXT NOT NULL,"
	"  category_code TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  reported INTEGER NOT NULL DEFAULT 0,"
	"  accepted INTEGER NOT NULL DEFAULT 0,"
	"  rejected INTEGER NOT NULL DEFAULT 0,"
	"  closed INTEGER NOT NULL DEFAULT 0,"
	"  closed_on_time INTEGER NOT NULL DEFAULT 0,"
	"  closed_internal INTEGER NOT NULL DEFAULT 0,"
	"  closed_late INTEGER NOT NULL DEFAULT 0,"
	"  overdue_open INTEGER NOT NULL DEFAULT 0,"
	"  rework INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0,"
	"  handle_seconds BIGINT NOT NULL DEFAULT 0,"
	"  rated INTEGER NOT NULL DEFAULT 0,"
	"  rate_good INTEGER NOT NULL DEFAULT 0,"
	"  rate_ok INTEGER NOT NULL DEFAULT 0,"
	"  rate_bad INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (grain, period, unit_code, category_code, source))@NOROWID@;"
	"INSERT INTO kpi_agg_new SELECT * FROM kpi_agg;"
	"DROP TABLE kpi_agg;"
	"ALTER TABLE kpi_agg_new RENAME TO kpi_agg;"
	"CREATE TABLE event_idem_new ("
	"  account_id BIGINT NOT NULL,"
	"  idem_key TEXT NOT NULL,"
	"  body_hash TEXT NOT NULL,"
	"  event_id BIGINT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (account_id, idem_key))@NOROWID@;"
	"INSERT INTO event_idem_new SELECT account_id, idem_key, body_hash, event_id, created_at FROM event_idem;"
	"DROP TABLE event_idem;"
	"ALTER TABLE event_idem_new RENAME TO event_idem;";

/* Wall displays (大屏, app/displays.h): a named, read-only credential for
 * the big screen of one unit, paired once with a short code. Only BLAKE2b
 * hashes of the pairing code and of the display's token are kept. */
static const char m7_displays[] =
	"CREATE TABLE display ("
	"  id @ID@,"
	"  name TEXT NOT NULL,"                    /* 白云区指挥中心大屏1 */
	"  unit_code TEXT NOT NULL,"               /* the district, town or community it shows */
	"  created_by BIGINT REFERENCES account(id),"
	"  created_at TEXT NOT NULL,"
	"  pair_hash TEXT UNIQUE,"                 /* the pending pairing code; NULL when none */
	"  pair_expires_at TEXT,"
	"  token_hash TEXT UNIQUE,"                /* the display's token; NULL until paired */
	"  paired_at TEXT,"
	"  paired_ip TEXT,"
	"  user_agent TEXT,"
	"  expires_at TEXT,"                       /* absolute expiry of the token */
	"  last_seen_at TEXT,"                     /* idle expiry counts from here */
	"  revoked_at TEXT,"
	"  revoked_by BIGINT REFERENCES account(id));"
	"CREATE INDEX display_unit ON display (unit_code, id);";

/* Report intake, continued (docs/performance.md, "Report intake"):
 * - kpi_dirty: the days whose counters a server still holds in memory
 *   (app/kpi.h, "Deferred counters"), repaired from the events after a crash;
 * - event_closed holds closed events only: a report no longer inserts a
 *   NULL closing time into it (every reader asks for a closed_at range,
 *   which implies the condition on both backends). */
static const char m8_kpi_defer[] =
	"CREATE TABLE kpi_dirty (day TEXT PRIMARY KEY)@NOROWID@;"
	"DROP INDEX event_closed;"
	"CREATE INDEX event_closed ON event (closed_at, grid_code, status) WHERE closed_at IS NOT NULL;";

/* The near-duplicate list reads its titles and statuses off event_near
 * too: no row of `event` a report (docs/performance.md, "Report intake").
 * A step of an open event changes its deadline, and so its entry, anyway. */
static const char m9_near_title[] =
	"DROP INDEX event_near;"
	"CREATE INDEX event_near ON event (category_code, cell, created_at, lon, lat, deadline_at, status, title)"
	" WHERE deadline_at IS NOT NULL;";

/* Fewer indexes for a report to write (docs/performance.md, "Report
 * intake"): each index keyed by grid or community costs a report a B-tree
 * leaf of its own, 4 KB of WAL and again of checkpoint.
 * - Grid scopes read the community indexes: a grid's code begins with its
 *   community's (docs/codes.md), and grid_code rides at the end of the
 *   entry so the grid filter is checked on the index, before any row is
 *   read (a community has ~8 grids). event_grid and event_open_grid go.
 * - event_screen leads with (created_at, id): a report's entry is appended
 *   after the last one, as its id is, instead of landing among the
 *   second's entries by grid; it then also serves what event_created did. */
static const char m10_fewer_indexes[] =
	"DROP INDEX event_grid;"
	"DROP INDEX event_open_grid;"
	"DROP INDEX event_created;"
	"DROP INDEX event_community;"
	"CREATE INDEX event_community ON event (community_code, id, grid_code);"
	"DROP INDEX event_open_community;"
	"CREATE INDEX event_open_community ON event (community_code, deadline_at, id, grid_code)"
	" WHERE deadline_at IS NOT NULL;"
	"DROP INDEX event_screen;"
	"CREATE INDEX event_screen ON event (created_at, id, grid_code, status, overdue, due_at, closed_at,"
	" rating, escalated, category_code, source, day);";

const struct db_migration db_migrations[] = {
	{1, "org units, people and posts", m1_org},
	{2, "departments, accounts, roles, sessions, throttling, audit", m2_accounts},
	{3, "grid events, timeline, photos, supervision, KPI counters", m3_events},
	{4, "command centres: duty rota, shift logs, equipment, forces", m4_command},
	{5, "covering indexes of the big screen: events by report and by closing time", m5_screen},
	{6, "report intake: near-duplicates among open events, clustered KPI and idempotency tables", m6_intake},
	{7, "wall displays (大屏): named read-only credentials of the big screen", m7_displays},
	{8, "deferred KPI counters (days to repair after a crash); closed events only in event_closed", m8_kpi_defer},
	{9, "near-duplicates: titles and statuses in event_near", m9_near_title},
	{10, "report intake: grid scopes read the community indexes; event_screen in report order", m10_fewer_indexes},
};
const int db_nmigrations = sizeof(db_migrations) / sizeof(db_migrations[0]);
