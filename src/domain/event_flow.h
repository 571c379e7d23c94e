/*
 * event_flow.h - the closed loop of a grid event as a pure state machine:
 * which step may follow which, who may take it, and the 采办分离 rules.
 * No I/O: the app layer (app/events.c) gathers the facts, asks here, and
 * applies the answer in one transaction. docs/events.md draws the diagram.
 *
 *   reported ──accept──▶ handling(internal) ──complete──▶ verifying ──verify_pass──▶ verified ──close──▶ closed
 *      │  └─reject──▶ rejected      │   ▲                     │verify_fail (返工)           ▲   │rate 不满意 (重办, once)
 *      │                            │   └─────────────────────┘                             │   ▼
 *      └─escalate─┐      escalate───┘                                                        │ handling
 *                 ▼                                                                          │
 *             escalated ──register──▶ registered ──dispatch──▶ dispatched ──sign──▶ handling(external)
 *             (town, then district)      ▲   │escalate            │return (退回)          │ complete … verify … close
 *                                        └────────────────────────┘                       │ to_internal (外转内, approved)
 *
 * Actors are described by capacities (EV_CAP_*): what the caller is to this
 * event, worked out by the app from their grants and the event's units.
 */
#ifndef WG_EVENT_FLOW_H
#define WG_EVENT_FLOW_H

#include <stdint.h>
#include "lib/err.h"

enum ev_status {
	EV_REPORTED = 0,    /* 待受理 */
	EV_REJECTED,        /* 不予受理 (terminal) */
	EV_HANDLING,        /* 处置中 (internal or external loop) */
	EV_ESCALATED,       /* 待立案: raised to a town or the district centre */
	EV_REGISTERED,      /* 已立案, 待派遣 */
	EV_DISPATCHED,      /* 已派遣, 待签收 */
	EV_VERIFYING,       /* 待核查 */
	EV_VERIFIED,        /* 已核查, 待结案 */
	EV_CLOSED,          /* 已结案 (terminal, may be reopened once by the resident) */
	EV_MERGED,          /* 已合并 into a master event, closes with it */
	EV_NSTATUS
};

enum ev_action {
	EA_REPORT = 0,      /* 上报 (creation; not a transition) */
	EA_ACCEPT,          /* 受理 */
	EA_REJECT,          /* 不予受理 (reason required, the reporter sees it) */
	EA_ASSIGN,          /* 指派 a handler within the grid forces / department */
	EA_ESCALATE,        /* 上报 to the next level (reason required) */
	EA_REGISTER,        /* 立案 */
	EA_DISPATCH,        /* 派遣 to a department or town office */
	EA_SIGN,            /* 签收 */
	EA_RETURN,          /* 退回: not ours (reason required) */
	EA_COMPLETE,        /* 处置完成 (result required) */
	EA_VERIFY_PASS,     /* 核查通过 */
	EA_VERIFY_FAIL,     /* 核查不通过 → 返工 (reason required) */
	EA_CLOSE,           /* 结案 */
	EA_EXTEND_REQUEST,  /* 延期申请 (reason, minutes) */
	EA_EXTEND_APPROVE,
	EA_EXTEND_DENY,
	EA_TO_INTERNAL,     /* 外转内 request by the department (reason) */
	EA_TO_INTERNAL_APPROVE,
	EA_TO_INTERNAL_DENY,
	EA_ROLLBACK,        /* 回退 one step (reason required) */
	EA_SUPERVISE,       /* 督办 (level, note) */
	EA_MERGE,           /* 合并 into a master */
	EA_RATE,            /* 评价 by the reporting resident */
	EA_NACTION
};

enum ev_loop { EV_LOOP_INTERNAL = 0, EV_LOOP_EXTERNAL = 1 };

/* Where the event is held: 3 community, 2 town, 1 district. */
#define EV_LEVEL_COMMUNITY 3
#define EV_LEVEL_TOWN 2
#define EV_LEVEL_DISTRICT 1

/* Capacities of the actor towards this event. */
enum ev_cap {
	EV_CAP_CENTRE = 1 << 0,       /* command role covering the holding unit */
	EV_CAP_STATION = 1 << 1,      /* station head of the event's community */
	EV_CAP_GRID_LEADER = 1 << 2,  /* grid leader over the event's grid */
	EV_CAP_GRID_WORKER = 1 << 3,  /* grid worker of the event's grid */
	EV_CAP_DEPT = 1 << 4,         /* staff of the department it was dispatched to */
	EV_CAP_REPORTER = 1 << 5,     /* the account that reported it */
	EV_CAP_RESIDENT = 1 << 6,     /* …and reported it as a resident */
	EV_CAP_LEADER = 1 << 7,       /* leader role covering the event (督办 only) */
	EV_CAP_HANDLER = 1 << 8,      /* the account that did 处置完成 */
	EV_CAP_ASSIGNEE = 1 << 9,     /* the account it is assigned to */
	EV_CAP_CENTRE_ANY = 1 << 10,  /* command role covering the event's grid at any level */
};

/* What the state machine needs to know of the event. */
struct ev_facts {
	enum ev_status status;
	enum ev_loop loop;
	int level;                    /* EV_LEVEL_* */
	int pending;                  /* EV_PENDING_* */
	enum ev_status prev_status;   /* for 回退; EV_NSTATUS when none */
	int reopen_count;
	int rated;                    /* a rating exists */
	int resident_report;          /* source = resident */
	int handler_is_grid_worker;   /* 处置完成 was done by the grid's own grid worker */
};

#define EV_PENDING_NONE 0
#define EV_PENDING_EXTEND 1
#define EV_PENDING_TO_INTERNAL 2

/* What the client sent with the step (checked only when deciding, not when
 * listing what is allowed). */
struct ev_input {
	int has_reason;               /* a non-empty note */
	int has_result;               /* EA_COMPLETE: a result text */
	int minutes;                  /* EA_EXTEND_REQUEST: 1 .. EV_EXTEND_MAX_MINUTES */
	int rating;                   /* EA_RATE: 1 满意 2 基本满意 3 不满意 */
	int supervision;              /* EA_SUPERVISE: 1 普通 2 黄牌 3 红牌 */
	int has_target;               /* EA_DISPATCH, EA_ASSIGN, EA_MERGE */
};

#define EV_EXTEND_MAX_MINUTES (30 * 24 * 60)

/* Effects the app must apply besides the new status. */
enum ev_effect {
	EF_PHASE = 1 << 0,            /* a new phase: restart its clock */
	EF_ACCEPTED = 1 << 1,         /* set accepted_at */
	EF_ESCALATE = 1 << 2,         /* level - 1, loop external, holder = parent unit */
	EF_INTERNALIZE = 1 << 3,      /* loop internal, level community, dept cleared */
	EF_SET_DEPT = 1 << 4,         /* dept / office = target */
	EF_CLEAR_DEPT = 1 << 5,
	EF_SET_HANDLER = 1 << 6,      /* handler = actor, result stored */
	EF_SET_VERIFIER = 1 << 7,
	EF_REWORK = 1 << 8,           /* rework_count + 1 */
	EF_PENDING_SET = 1 << 9,      /* pending = the request */
	EF_PENDING_CLEAR = 1 << 10,
	EF_EXTEND = 1 << 11,          /* deadline and due += pending minutes */
	EF_CLOSE = 1 << 12,           /* closed_at; merged children close too */
	EF_REOPEN = 1 << 13,          /* reopen_count + 1, closed_at cleared */
	EF_RATE = 1 << 14,
	EF_SUPERVISE = 1 << 15,
	EF_ASSIGN = 1 << 16,          /* assignee = target */
	EF_MERGE = 1 << 17,           /* master = target */
	EF_REJECT = 1 << 18,          /* reject_reason = note */
	EF_ROLLBACK = 1 << 19,        /* status = prev_status */
	EF_CLEAR_HANDLER = 1 << 20,   /* a new round of handling */
};

struct ev_step {
	enum ev_status to;
	unsigned effects;
	int public_step;              /* shown to the reporting resident */
};

/* Decide a step. Returns 0 with *out filled, or -1 with e:
 *   409 event.illegal_transition   the action is not possible in this status
 *   409 event.pending / event.no_pending / event.already_rated
 *   403 event.forbidden            the actor has no capacity for this step
 *   409 rule.reporter_handles      采办分离: the reporter never handles it in the external loop
 *   409 rule.handler_verifies      采办分离: whoever handled it never verifies or closes it
 *   409 rule.verifier_grid         external-loop verification belongs to the grid's worker
 *                                  (its grid leader when that worker handled it)
 *   400 event.reason_required / event.result_required / event.bad_minutes /
 *       event.bad_rating / event.bad_supervision / event.target_required
 * in = NULL skips the input checks (used to list what is allowed now). */
int ev_decide(const struct ev_facts *f, enum ev_action a, unsigned caps, const struct ev_input *in,
              struct ev_step *out, struct err *e);

/* Bit (1 << action) set for each action the actor may take now. */
uint32_t ev_allowed(const struct ev_facts *f, unsigned caps);

/* Names: "reported" …; NULL/-1 when unknown. */
const char *ev_status_name(enum ev_status s);
const char *ev_status_label(enum ev_status s);     /* 待受理 … */
int ev_status_parse(const char *s);
const char *ev_action_name(enum ev_action a);
const char *ev_action_label(enum ev_action a);     /* 受理 … */
int ev_action_parse(const char *s);
const char *ev_loop_name(enum ev_loop l);          /* internal | external */
/* Open = not rejected, closed or merged. */
int ev_status_open(enum ev_status s);

/* --- time limits -------------------------------------------------------- */
enum ev_phase { EV_PHASE_ACCEPT = 0, EV_PHASE_HANDLE = 1, EV_PHASE_VERIFY = 2, EV_PHASE_NONE = 3 };

enum ev_phase ev_phase_of(enum ev_status s);
/* The category's limits in minutes: [accept, handle, verify]. */
struct ev_limits { int minutes[3]; };
/* Seconds allowed for a phase at an urgency (1 一般 ×1, 2 紧急 ×1/2, 3 特急 ×1/4). */
int64_t ev_phase_seconds(const struct ev_limits *l, enum ev_phase p, int urgency);
/* The whole event's allowance (accept + handle + verify) at an urgency. */
int64_t ev_total_seconds(const struct ev_limits *l, int urgency);

/* Warning state and supervision from the clock: given the phase start and
 * its allowance, at time now. yellow from 80% used, red from 100%; automatic
 * supervision 普通 at 100%, 黄牌 at 150%, 红牌 at 200%. *next: when either
 * changes next (0 = never). */
struct ev_clock {
	int warning;                  /* 0 none 1 yellow 2 red */
	int supervision;              /* 0 .. 3, automatic level due by now */
	int64_t warn_at, deadline_at, next;
};
void ev_clock(int64_t phase_start, int64_t allowance, int64_t now, struct ev_clock *out);

/* Urgency 1..3 names: 一般 紧急 特急; "normal" "urgent" "critical". */
const char *ev_urgency_label(int u);
const char *ev_urgency_name(int u);
int ev_urgency_parse(const char *s);
/* Sources: patrol resident wechat hotline assigned; label 巡查上报 … */
int ev_source_ok(const char *s);
const char *ev_source_label(const char *s);

/* --- intake: who may report what, and where (docs/events.md, "Intake") ---
 *
 * A report passes when one grant of the caller both admits its source and
 * reaches its grid (the one found from the point, or the one given by hand):
 *
 *   role                      sources                    reaches (上报范围)
 *   admin                     hotline                    the granted unit (the district)
 *   command                   patrol wechat hotline      the granted unit (district or town)
 *                             assigned
 *   leader                    assigned                   the granted unit
 *   station_head, grid_leader patrol wechat              the community of the granted unit: a grid
 *   grid_worker                                          worker on patrol reports in the next grid
 *   department                assigned                   the district of the department code
 *                                                        (440111-cg: 440111); departments are
 *                                                        functional, district-wide
 *   resident                  resident                   the district: residents report where they are
 */

/* May a holder of `roles` (any of them; domain/role.h flags) report with
 * this source? 0 for an unknown source. */
int ev_source_allowed(unsigned roles, const char *source);
/* The root of the subtree a grant of one role bound to `scope` (a unit code,
 * or a department code for ROLE_DEPARTMENT) may report into, written to out
 * (a unit code; n >= 17 holds any). -1, out untouched, for an unknown role
 * or a scope the role is never bound to (a grid worker bound to a town). A
 * grid lies within reach when unit_code_under(grid, out). */
int ev_intake_root(unsigned role, const char *scope, char *out, size_t n);

#endif
