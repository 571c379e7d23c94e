/*
 * event_flow.c - the grid event state machine (see event_flow.h and
 * docs/events.md). Pure: no I/O, no clock.
 */
#include <stdio.h>
#include <string.h>
#include "domain/event_flow.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/str.h"
#include "lib/banned.h"

#define S(x) (1u << (x))

static const struct {
	const char *name, *label;
} statuses[EV_NSTATUS] = {
	[EV_REPORTED] = {"reported", "待受理"},
	[EV_REJECTED] = {"rejected", "不予受理"},
	[EV_HANDLING] = {"handling", "处置中"},
	[EV_ESCALATED] = {"escalated", "待立案"},
	[EV_REGISTERED] = {"registered", "待派遣"},
	[EV_DISPATCHED] = {"dispatched", "待签收"},
	[EV_VERIFYING] = {"verifying", "待核查"},
	[EV_VERIFIED] = {"verified", "待结案"},
	[EV_CLOSED] = {"closed", "已结案"},
	[EV_MERGED] = {"merged", "已合并"},
};

static const struct {
	const char *name, *label;
} actions[EA_NACTION] = {
	[EA_REPORT] = {"report", "上报"},
	[EA_ACCEPT] = {"accept", "受理"},
	[EA_REJECT] = {"reject", "不予受理"},
	[EA_ASSIGN] = {"assign", "指派"},
	[EA_ESCALATE] = {"escalate", "上报上级"},
	[EA_REGISTER] = {"register", "立案"},
	[EA_DISPATCH] = {"dispatch", "派遣"},
	[EA_SIGN] = {"sign", "签收"},
	[EA_RETURN] = {"return", "退回"},
	[EA_COMPLETE] = {"complete", "处置完成"},
	[EA_VERIFY_PASS] = {"verify_pass", "核查通过"},
	[EA_VERIFY_FAIL] = {"verify_fail", "核查不通过"},
	[EA_CLOSE] = {"close", "结案"},
	[EA_EXTEND_REQUEST] = {"extend_request", "延期申请"},
	[EA_EXTEND_APPROVE] = {"extend_approve", "批准延期"},
	[EA_EXTEND_DENY] = {"extend_deny", "驳回延期"},
	[EA_TO_INTERNAL] = {"to_internal", "申请外转内"},
	[EA_TO_INTERNAL_APPROVE] = {"to_internal_approve", "批准外转内"},
	[EA_TO_INTERNAL_DENY] = {"to_internal_deny", "驳回外转内"},
	[EA_ROLLBACK] = {"rollback", "回退"},
	[EA_SUPERVISE] = {"supervise", "督办"},
	[EA_MERGE] = {"merge", "合并"},
	[EA_RATE] = {"rate", "评价"},
};

const char *ev_status_name(enum ev_status s)
{
	return (unsigned)s < EV_NSTATUS ? statuses[s].name : NULL;
}

const char *ev_status_label(enum ev_status s)
{
	return (unsigned)s < EV_NSTATUS ? statuses[s].label : NULL;
}

int ev_status_parse(const char *s)
{
	for (int i = 0; s && i < EV_NSTATUS; i++)
		if (strcmp(s, statuses[i].name) == 0)
			return i;
	return -1;
}

const char *ev_action_name(enum ev_action a)
{
	return (unsigned)a < EA_NACTION ? actions[a].name : NULL;
}

const char *ev_action_label(enum ev_action a)
{
	return (unsigned)a < EA_NACTION ? actions[a].label : NULL;
}

int ev_action_parse(const char *s)
{
	for (int i = 0; s && i < EA_NACTION; i++)
		if (strcmp(s, actions[i].name) == 0)
			return i;
	return -1;
}

const char *ev_loop_name(enum ev_loop l)
{
	return l == EV_LOOP_EXTERNAL ? "external" : "internal";
}

int ev_status_open(enum ev_status s)
{
	return s != EV_REJECTED && s != EV_CLOSED && s != EV_MERGED && (unsigned)s < EV_NSTATUS;
}

/* ------------------------------------------------------------- decide */

/* err_set() formats take the same arguments: fixed texts go in as they are. */
static int fail(struct err *e, int status, const char *code, const char *zh, const char *en)
{
	if (err_isset(e))
		return -1;
	err_set(e, status, code, "%s", "%s", zh);
	str_copy(e->msg_en, sizeof(e->msg_en), en);
	return -1;
}

static int illegal(struct err *e, const struct ev_facts *f, enum ev_action a)
{
	char zh[ERR_MSG_MAX], en[ERR_MSG_MAX];

	snprintf(zh, sizeof(zh), "当前状态（%s）不能%s", ev_status_label(f->status),
	         ev_action_label(a) ? ev_action_label(a) : "执行该操作");
	snprintf(en, sizeof(en), "'%s' is not possible in status '%s'",
	         ev_action_name(a) ? ev_action_name(a) : "?", ev_status_name(f->status));
	return fail(e, 409, "event.illegal_transition", zh, en);
}

static int forbidden(struct err *e)
{
	return fail(e, 403, "event.forbidden", "您无权对该事件执行此操作",
	            "you may not take this step on this event");
}

/* The forces that handle in each loop. */
#define HANDLERS_INTERNAL (EV_CAP_GRID_WORKER | EV_CAP_GRID_LEADER | EV_CAP_STATION | EV_CAP_ASSIGNEE)
#define HANDLERS_EXTERNAL (EV_CAP_DEPT)

static unsigned handlers(const struct ev_facts *f)
{
	return f->loop == EV_LOOP_EXTERNAL ? HANDLERS_EXTERNAL : HANDLERS_INTERNAL;
}

/* Status legality and capacity of each action; the 采办分离 rules and
 * inputs are checked after. Returns 0 with out->to set, or -1. */
static int legal(const struct ev_facts *f, enum ev_action a, unsigned caps, struct ev_step *out,
                 struct err *e)
{
	unsigned need = 0;                 /* any of these capacities */
	unsigned from = 0;                 /* allowed statuses */
	enum ev_status to = f->status;
	unsigned eff = 0;
	int pub = 0;

	switch (a) {
	case EA_ACCEPT:
		from = S(EV_REPORTED);
		need = EV_CAP_CENTRE | EV_CAP_STATION;
		to = EV_HANDLING, eff = EF_ACCEPTED, pub = 1;
		break;
	case EA_REJECT:
		from = S(EV_REPORTED) | S(EV_ESCALATED);
		need = f->status == EV_REPORTED ? EV_CAP_CENTRE | EV_CAP_STATION : EV_CAP_CENTRE;
		to = EV_REJECTED, eff = EF_REJECT, pub = 1;
		break;
	case EA_ASSIGN:
		from = S(EV_HANDLING);
		need = f->loop == EV_LOOP_EXTERNAL ? EV_CAP_DEPT | EV_CAP_CENTRE
		       : EV_CAP_CENTRE | EV_CAP_STATION | EV_CAP_GRID_LEADER;
		eff = EF_ASSIGN;
		break;
	case EA_ESCALATE:
		if (f->status == EV_REPORTED || (f->status == EV_HANDLING && f->loop == EV_LOOP_INTERNAL)) {
			from = S(f->status);
			need = HANDLERS_INTERNAL | EV_CAP_CENTRE;
		} else if (f->status == EV_ESCALATED || f->status == EV_REGISTERED) {
			from = S(f->status);
			need = EV_CAP_CENTRE;
		}
		if (from && f->level <= EV_LEVEL_DISTRICT)
			return fail(e, 409, "event.top_level", "事件已在区级，无法再上报",
			            "the event is already at the district, the top level");
		to = EV_ESCALATED, eff = EF_ESCALATE | EF_CLEAR_DEPT, pub = 1;
		break;
	case EA_REGISTER:
		from = S(EV_ESCALATED);
		need = EV_CAP_CENTRE;
		to = EV_REGISTERED, eff = EF_ACCEPTED, pub = 1;
		break;
	case EA_DISPATCH:
		from = S(EV_REGISTERED);
		need = EV_CAP_CENTRE;
		to = EV_DISPATCHED, eff = EF_SET_DEPT, pub = 1;
		break;
	case EA_SIGN:
		from = S(EV_DISPATCHED);
		need = EV_CAP_DEPT;
		to = EV_HANDLING, pub = 1;
		break;
	case EA_RETURN:
		from = S(EV_DISPATCHED);
		need = EV_CAP_DEPT;
		to = EV_REGISTERED, eff = EF_CLEAR_DEPT;
		break;
	case EA_COMPLETE:
		from = S(EV_HANDLING);
		need = handlers(f);
		to = EV_VERIFYING, eff = EF_SET_HANDLER | EF_PENDING_CLEAR, pub = 1;
		break;
	case EA_VERIFY_PASS:
	case EA_VERIFY_FAIL:
		from = S(EV_VERIFYING);
		/* the same people as inside; in the external loop R3 then tells
		 * the centre, station and grid leader whose step it is (409) */
		need = EV_CAP_GRID_WORKER | EV_CAP_GRID_LEADER | EV_CAP_STATION | EV_CAP_CENTRE;
		if (a == EA_VERIFY_PASS)
			to = EV_VERIFIED, eff = EF_SET_VERIFIER, pub = 1;
		else
			to = EV_HANDLING, eff = EF_SET_VERIFIER | EF_REWORK, pub = 1;
		break;
	case EA_CLOSE:
		from = S(EV_VERIFIED);
		need = f->loop == EV_LOOP_EXTERNAL ? EV_CAP_CENTRE
		       : EV_CAP_CENTRE | EV_CAP_STATION | EV_CAP_GRID_LEADER;
		to = EV_CLOSED, eff = EF_CLOSE, pub = 1;
		break;
	case EA_EXTEND_REQUEST:
		from = S(EV_HANDLING);
		need = handlers(f);
		eff = EF_PENDING_SET;
		break;
	case EA_EXTEND_APPROVE:
	case EA_EXTEND_DENY:
		from = S(EV_HANDLING);
		need = EV_CAP_CENTRE;
		eff = EF_PENDING_CLEAR | (a == EA_EXTEND_APPROVE ? EF_EXTEND : 0);
		break;
	case EA_TO_INTERNAL:
		from = f->loop == EV_LOOP_EXTERNAL ? S(EV_HANDLING) | S(EV_DISPATCHED) : 0;
		need = EV_CAP_DEPT;
		eff = EF_PENDING_SET;
		break;
	case EA_TO_INTERNAL_APPROVE:
	case EA_TO_INTERNAL_DENY:
		from = f->loop == EV_LOOP_EXTERNAL ? S(EV_HANDLING) | S(EV_DISPATCHED) : 0;
		need = EV_CAP_CENTRE;
		eff = EF_PENDING_CLEAR;
		if (a == EA_TO_INTERNAL_APPROVE)
			to = EV_HANDLING, eff |= EF_INTERNALIZE | EF_CLEAR_DEPT | EF_CLEAR_HANDLER, pub = 1;
		break;
	case EA_ROLLBACK:
		from = S(EV_HANDLING) | S(EV_REGISTERED) | S(EV_DISPATCHED) | S(EV_VERIFYING) |
		       S(EV_VERIFIED);
		if (f->prev_status >= EV_NSTATUS || !ev_status_open(f->prev_status))
			from = 0;
		need = EV_CAP_CENTRE;
		to = f->prev_status, eff = EF_ROLLBACK, pub = 1;
		break;
	case EA_SUPERVISE:
		from = ev_status_open(f->status) ? S(f->status) : 0;
		need = EV_CAP_CENTRE | EV_CAP_CENTRE_ANY | EV_CAP_LEADER;
		eff = EF_SUPERVISE;
		break;
	case EA_MERGE:
		from = S(EV_REPORTED) | S(EV_ESCALATED) | S(EV_REGISTERED);
		if (f->loop == EV_LOOP_INTERNAL)
			from |= S(EV_HANDLING);
		/* the community merges what it holds; the centre what it holds */
		need = f->level == EV_LEVEL_COMMUNITY ? EV_CAP_CENTRE | EV_CAP_STATION : EV_CAP_CENTRE;
		to = EV_MERGED, eff = EF_MERGE, pub = 1;
		break;
	case EA_RATE:
		from = S(EV_CLOSED);
		need = EV_CAP_RESIDENT;
		eff = EF_RATE, pub = 1;
		break;
	case EA_REPORT:
	case EA_NACTION:
	default:
		break;
	}
	if (!(from & S(f->status)))
		return illegal(e, f, a);
	if (!(caps & need))
		return forbidden(e);
	out->to = to;
	out->effects = eff;
	out->public_step = pub;
	return 0;
}

/* The pending request an action answers or must not overlap. */
static int pending_ok(const struct ev_facts *f, enum ev_action a, struct err *e)
{
	switch (a) {
	case EA_EXTEND_REQUEST:
	case EA_TO_INTERNAL:
		if (f->pending != EV_PENDING_NONE)
			return fail(e, 409, "event.pending", "已有待审批的申请",
			            "another request is waiting for approval");
		return 0;
	case EA_EXTEND_APPROVE:
	case EA_EXTEND_DENY:
		if (f->pending != EV_PENDING_EXTEND)
			return fail(e, 409, "event.no_pending", "没有待审批的延期申请",
			            "there is no extension request to answer");
		return 0;
	case EA_TO_INTERNAL_APPROVE:
	case EA_TO_INTERNAL_DENY:
		if (f->pending != EV_PENDING_TO_INTERNAL)
			return fail(e, 409, "event.no_pending", "没有待审批的外转内申请",
			            "there is no request to hand the event back to the community");
		return 0;
	default:
		return 0;
	}
}

/* 采办分离, rule by rule. */
static int separation_ok(const struct ev_facts *f, enum ev_action a, unsigned caps, struct err *e)
{
	int handling = a == EA_SIGN || a == EA_COMPLETE || a == EA_ASSIGN ||
	               a == EA_EXTEND_REQUEST || a == EA_TO_INTERNAL;
	int verifying = a == EA_VERIFY_PASS || a == EA_VERIFY_FAIL || a == EA_CLOSE;

	/* R1: the reporter never handles it in the external loop */
	if (handling && a != EA_ASSIGN && f->loop == EV_LOOP_EXTERNAL && (caps & EV_CAP_REPORTER))
		return fail(e, 409, "rule.reporter_handles", "采办分离：上报人不能处置外循环事件",
		            "collection and handling are separate: the reporter may not handle an "
		            "external-loop event");
	/* R2: whoever handled it never verifies or closes it */
	if (verifying && (caps & EV_CAP_HANDLER))
		return fail(e, 409, "rule.handler_verifies", "采办分离：处置人不能核查或结案",
		            "collection and handling are separate: the handler may not verify or close "
		            "the event");
	/* R3: external-loop verification is the grid worker's (the grid
	 * leader's when that worker handled it) */
	if ((a == EA_VERIFY_PASS || a == EA_VERIFY_FAIL) && f->loop == EV_LOOP_EXTERNAL) {
		unsigned who = f->handler_is_grid_worker ? EV_CAP_GRID_LEADER : EV_CAP_GRID_WORKER;

		if (!(caps & who))
			return fail(e, 409, "rule.verifier_grid",
			            f->handler_is_grid_worker
			            ? "采办分离：网格员处置的事件由网格长核查"
			            : "采办分离：外循环事件由事发网格的网格员核查",
			            f->handler_is_grid_worker
			            ? "collection and handling are separate: the grid leader verifies what "
			              "the grid worker handled"
			            : "collection and handling are separate: the grid worker of the event's "
			              "grid verifies external-loop events");
	}
	return 0;
}

static int input_ok(const struct ev_facts *f, enum ev_action a, const struct ev_input *in,
                    struct err *e)
{
	switch (a) {
	case EA_REJECT:
	case EA_ESCALATE:
	case EA_RETURN:
	case EA_VERIFY_FAIL:
	case EA_EXTEND_REQUEST:
	case EA_EXTEND_DENY:
	case EA_TO_INTERNAL:
	case EA_TO_INTERNAL_DENY:
	case EA_ROLLBACK:
		if (!in->has_reason)
			return fail(e, 400, "event.reason_required", "请填写原因",
			            "this step needs a reason (note)");
		break;
	default:
		break;
	}
	if (a == EA_COMPLETE && !in->has_result)
		return fail(e, 400, "event.result_required", "请填写处置结果",
		            "this step needs the result of the handling (result)");
	if (a == EA_EXTEND_REQUEST && (in->minutes < 1 || in->minutes > EV_EXTEND_MAX_MINUTES))
		return fail(e, 400, "event.bad_minutes", "延期时长必须在 1 分钟到 30 天之间",
		            "an extension is 1 minute to 30 days (minutes)");
	if (a == EA_RATE && (in->rating < 1 || in->rating > 3))
		return fail(e, 400, "event.bad_rating", "评价必须是 满意(1)、基本满意(2) 或 不满意(3)",
		            "rating must be 1 (satisfied), 2 (fairly satisfied) or 3 (dissatisfied)");
	if (a == EA_SUPERVISE && (in->supervision < 1 || in->supervision > 3))
		return fail(e, 400, "event.bad_supervision", "督办级别必须是 普通(1)、黄牌(2) 或 红牌(3)",
		            "supervision is 1 (normal), 2 (yellow card) or 3 (red card)");
	if ((a == EA_DISPATCH || a == EA_ASSIGN || a == EA_MERGE) && !in->has_target)
		return fail(e, 400, "event.target_required", "请选择对象",
		            "this step needs a target");
	(void)f;
	return 0;
}

int ev_decide(const struct ev_facts *f, enum ev_action a, unsigned caps, const struct ev_input *in,
              struct ev_step *out, struct err *e)
{
	struct ev_step s = {0};

	if (legal(f, a, caps, &s, e) < 0 || pending_ok(f, a, e) < 0 || separation_ok(f, a, caps, e) < 0)
		return -1;
	if (a == EA_RATE && f->rated)
		return fail(e, 409, "event.already_rated", "已评价过", "the event has been rated");
	if (in && input_ok(f, a, in, e) < 0)
		return -1;
	if (a == EA_RATE && in && in->rating == 3 && f->reopen_count == 0)
		s.to = EV_HANDLING, s.effects |= EF_REOPEN;     /* 不满意: 重办, once */
	if (ev_phase_of(s.to) != ev_phase_of(f->status) || a == EA_ESCALATE ||
	    a == EA_VERIFY_FAIL || (s.effects & (EF_REOPEN | EF_INTERNALIZE)))
		s.effects |= EF_PHASE;
	*out = s;
	return 0;
}

uint32_t ev_allowed(const struct ev_facts *f, unsigned caps)
{
	uint32_t bits = 0;

	for (int a = EA_ACCEPT; a < EA_NACTION; a++) {
		struct ev_step s;
		struct err e = ERR_INIT;

		if (ev_decide(f, (enum ev_action)a, caps, NULL, &s, &e) == 0)
			bits |= 1u << a;
	}
	return bits;
}

/* --------------------------------------------------------------- clock */

enum ev_phase ev_phase_of(enum ev_status s)
{
	switch (s) {
	case EV_REPORTED:
	case EV_ESCALATED:
		return EV_PHASE_ACCEPT;
	case EV_REGISTERED:
	case EV_DISPATCHED:
	case EV_HANDLING:
		return EV_PHASE_HANDLE;
	case EV_VERIFYING:
	case EV_VERIFIED:
		return EV_PHASE_VERIFY;
	default:
		return EV_PHASE_NONE;
	}
}

int64_t ev_phase_seconds(const struct ev_limits *l, enum ev_phase p, int urgency)
{
	int64_t s;

	if (p >= EV_PHASE_NONE)
		return 0;
	s = (int64_t)l->minutes[p] * 60;
	if (urgency == 2)
		s /= 2;
	else if (urgency == 3)
		s /= 4;
	return s > 60 ? s : 60;
}

int64_t ev_total_seconds(const struct ev_limits *l, int urgency)
{
	return ev_phase_seconds(l, EV_PHASE_ACCEPT, urgency) +
	       ev_phase_seconds(l, EV_PHASE_HANDLE, urgency) +
	       ev_phase_seconds(l, EV_PHASE_VERIFY, urgency);
}

void ev_clock(int64_t start, int64_t allowance, int64_t now, struct ev_clock *c)
{
	int64_t marks[4];

	memset(c, 0, sizeof(*c));
	if (allowance <= 0)
		return;
	c->warn_at = start + allowance * 8 / 10;
	c->deadline_at = start + allowance;
	marks[0] = c->warn_at;                  /* yellow */
	marks[1] = c->deadline_at;              /* red, 普通督办 */
	marks[2] = start + allowance * 3 / 2;   /* 黄牌 */
	marks[3] = start + allowance * 2;       /* 红牌 */
	if (now >= marks[0])
		c->warning = 1;
	if (now >= marks[1])
		c->warning = 2, c->supervision = 1;
	if (now >= marks[2])
		c->supervision = 2;
	if (now >= marks[3])
		c->supervision = 3;
	c->next = 0;
	for (int i = 0; i < 4; i++)
		if (now < marks[i]) {
			c->next = marks[i];
			break;
		}
}

/* ----------------------------------------------------------- names */

static const char *const urgency_names[] = {NULL, "normal", "urgent", "critical"};
static const char *const urgency_labels[] = {NULL, "一般", "紧急", "特急"};

const char *ev_urgency_label(int u)
{
	return u >= 1 && u <= 3 ? urgency_labels[u] : "";
}

const char *ev_urgency_name(int u)
{
	return u >= 1 && u <= 3 ? urgency_names[u] : "";
}

int ev_urgency_parse(const char *s)
{
	for (int i = 1; s && i <= 3; i++)
		if (strcmp(s, urgency_names[i]) == 0 || strcmp(s, urgency_labels[i]) == 0)
			return i;
	return -1;
}

static const struct {
	const char *name, *label;
} sources[] = {
	{"patrol", "巡查上报"},
	{"resident", "群众随手报"},
	{"wechat", "网格群线索"},
	{"hotline", "12345热线"},
	{"assigned", "领导交办"},
};

int ev_source_ok(const char *s)
{
	for (size_t i = 0; s && i < sizeof(sources) / sizeof(sources[0]); i++)
		if (strcmp(s, sources[i].name) == 0)
			return 1;
	return 0;
}

const char *ev_source_label(const char *s)
{
	for (size_t i = 0; s && i < sizeof(sources) / sizeof(sources[0]); i++)
		if (strcmp(s, sources[i].name) == 0)
			return sources[i].label;
	return "";
}

/* -------------------------------------------------------------- intake */

int ev_source_allowed(unsigned roles, const char *source)
{
	if (!source)
		return 0;
	if (strcmp(source, "resident") == 0)
		return (roles & ROLE_RESIDENT) != 0;
	if (strcmp(source, "patrol") == 0 || strcmp(source, "wechat") == 0)
		return (roles & (ROLE_GRID_WORKER | ROLE_GRID_LEADER | ROLE_STATION_HEAD | ROLE_COMMAND)) != 0;
	if (strcmp(source, "hotline") == 0)
		return (roles & (ROLE_COMMAND | ROLE_ADMIN)) != 0;
	if (strcmp(source, "assigned") == 0)
		return (roles & (ROLE_COMMAND | ROLE_LEADER | ROLE_DEPARTMENT)) != 0;
	return 0;
}

/* The ancestor of code at level (or code itself), by walking up its
 * parents; -1 when code lies above that level or is not a unit code. */
static int ancestor_at(const char *code, enum unit_level level, char *out, size_t n)
{
	char cur[32], up[32];
	enum unit_level l = unit_code_level(code);

	if (l == LEVEL_NONE || l < level || strlen(code) >= sizeof(cur))
		return -1;
	str_copy(cur, sizeof(cur), code);
	for (; l > level; l--) {
		if (unit_code_parent(cur, up, sizeof(up)) < 0)
			return -1;
		str_copy(cur, sizeof(cur), up);
	}
	if (strlen(cur) >= n)
		return -1;
	str_copy(out, n, cur);
	return 0;
}

int ev_intake_root(unsigned role, const char *scope, char *out, size_t n)
{
	char district[32];

	if (!scope || !role_level_ok(role, (int)unit_code_level(scope)))
		return -1;
	switch (role) {
	case ROLE_ADMIN:
	case ROLE_COMMAND:
	case ROLE_LEADER:
		return ancestor_at(scope, unit_code_level(scope), out, n);
	case ROLE_STATION_HEAD:
	case ROLE_GRID_LEADER:
	case ROLE_GRID_WORKER:
		/* 网格员 patrol beyond their own grid: the whole community */
		return ancestor_at(scope, LEVEL_COMMUNITY, out, n);
	case ROLE_RESIDENT:
		return ancestor_at(scope, LEVEL_DISTRICT, out, n);
	case ROLE_DEPARTMENT:
		/* "440111-cg": the district before the dash */
		if (unit_code_dept_district(scope, district, sizeof(district)) < 0)
			return -1;
		return ancestor_at(district, LEVEL_DISTRICT, out, n);
	default:
		return -1;
	}
}
