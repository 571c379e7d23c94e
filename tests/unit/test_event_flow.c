/*
 * test_event_flow.c - unit tests of src/domain/event_flow.c: the grid
 * event state machine. Every transition of the diagram in event_flow.h,
 * the full status x action matrix against an independent table, who may
 * take each step (capacities), the 采办分离 rules R1-R3, the required
 * inputs, pending requests, the resident's rating (重办 once), ev_allowed
 * against ev_decide, the clocks (warning marks, automatic supervision,
 * urgency scaling), and intake: which role may use which source, and how
 * far each role's grant reaches (上报范围).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "domain/event_flow.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/err.h"
#include "lib/banned.h"

#define S(x) (1u << (x))
#define ALL_CAPS 0x7ffu

/* Facts of an event in a status and loop, held at the usual level for
 * the loop (community for internal, town for external). */
static struct ev_facts facts(enum ev_status s, enum ev_loop loop)
{
	struct ev_facts f;

	memset(&f, 0, sizeof(f));
	f.status = s;
	f.loop = loop;
	f.level = loop == EV_LOOP_EXTERNAL ? EV_LEVEL_TOWN : EV_LEVEL_COMMUNITY;
	f.pending = EV_PENDING_NONE;
	f.prev_status = EV_NSTATUS;
	return f;
}

/* An input that satisfies every step's requirements. */
static const struct ev_input FULL = {1, 1, 60, 1, 1, 1};

static int decide(const struct ev_facts *f, enum ev_action a, unsigned caps,
                  const struct ev_input *in, struct ev_step *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	err_clear(e);
	return ev_decide(f, a, caps, in, s, e);
}

/* Assert the step fails with this status and code. */
#define assert_fails(f, a, caps, in, st, cd) do { \
	struct ev_step s_; struct err e_ = ERR_INIT; \
	if (decide((f), (a), (caps), (in), &s_, &e_) == 0) \
		fail_msg("%s from %s (caps %#x) succeeded, %s expected", ev_action_name(a), \
		         ev_status_name((f)->status), (unsigned)(caps), (cd)); \
	if (e_.status != (st) || strcmp(e_.code, (cd)) != 0) \
		fail_msg("%s from %s (caps %#x): %d %s, %d %s expected", ev_action_name(a), \
		         ev_status_name((f)->status), (unsigned)(caps), e_.status, e_.code, (st), (cd)); \
	assert_true(e_.msg[0] && e_.msg_en[0]); \
} while (0)

/* ------------------------------------------------- the diagram, step by step */

struct transition {
	enum ev_status from;
	enum ev_loop loop;
	int pending;
	enum ev_action action;
	unsigned caps;
	enum ev_status to;
	unsigned effects;             /* must all be set */
	unsigned not_effects;         /* must all be clear */
	int public_step;
};

#define IN EV_LOOP_INTERNAL
#define EX EV_LOOP_EXTERNAL
#define NOP EV_PENDING_NONE

static const struct transition diagram[] = {
	/* intake at the community */
	{EV_REPORTED, IN, NOP, EA_ACCEPT, EV_CAP_STATION, EV_HANDLING, EF_ACCEPTED | EF_PHASE, 0, 1},
	{EV_REPORTED, IN, NOP, EA_ACCEPT, EV_CAP_CENTRE, EV_HANDLING, EF_ACCEPTED | EF_PHASE, 0, 1},
	{EV_REPORTED, IN, NOP, EA_REJECT, EV_CAP_STATION, EV_REJECTED, EF_REJECT, 0, 1},
	{EV_REPORTED, IN, NOP, EA_ESCALATE, EV_CAP_GRID_WORKER, EV_ESCALATED,
	 EF_ESCALATE | EF_CLEAR_DEPT | EF_PHASE, 0, 1},
	{EV_REPORTED, IN, NOP, EA_MERGE, EV_CAP_STATION, EV_MERGED, EF_MERGE, 0, 1},
	/* the internal loop */
	{EV_HANDLING, IN, NOP, EA_ASSIGN, EV_CAP_GRID_LEADER, EV_HANDLING, EF_ASSIGN, EF_PHASE, 0},
	{EV_HANDLING, IN, NOP, EA_COMPLETE, EV_CAP_GRID_WORKER, EV_VERIFYING,
	 EF_SET_HANDLER | EF_PENDING_CLEAR | EF_PHASE, 0, 1},
	{EV_HANDLING, IN, NOP, EA_COMPLETE, EV_CAP_ASSIGNEE, EV_VERIFYING, EF_SET_HANDLER, 0, 1},
	{EV_HANDLING, IN, NOP, EA_ESCALATE, EV_CAP_STATION, EV_ESCALATED, EF_ESCALATE | EF_PHASE, 0, 1},
	{EV_HANDLING, IN, NOP, EA_MERGE, EV_CAP_CENTRE, EV_MERGED, EF_MERGE, 0, 1},
	{EV_HANDLING, IN, NOP, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER, EV_HANDLING, EF_PENDING_SET,
	 EF_PHASE, 0},
	{EV_HANDLING, IN, EV_PENDING_EXTEND, EA_EXTEND_APPROVE, EV_CAP_CENTRE, EV_HANDLING,
	 EF_EXTEND | EF_PENDING_CLEAR, EF_PHASE, 0},
	{EV_HANDLING, IN, EV_PENDING_EXTEND, EA_EXTEND_DENY, EV_CAP_CENTRE, EV_HANDLING,
	 EF_PENDING_CLEAR, EF_EXTEND | EF_PHASE, 0},
	{EV_VERIFYING, IN, NOP, EA_VERIFY_PASS, EV_CAP_GRID_LEADER, EV_VERIFIED, EF_SET_VERIFIER,
	 EF_PHASE, 1},
	{EV_VERIFYING, IN, NOP, EA_VERIFY_PASS, EV_CAP_STATION, EV_VERIFIED, EF_SET_VERIFIER, 0, 1},
	{EV_VERIFYING, IN, NOP, EA_VERIFY_FAIL, EV_CAP_GRID_WORKER, EV_HANDLING,
	 EF_SET_VERIFIER | EF_REWORK | EF_PHASE, 0, 1},
	{EV_VERIFIED, IN, NOP, EA_CLOSE, EV_CAP_GRID_LEADER, EV_CLOSED, EF_CLOSE | EF_PHASE, 0, 1},
	{EV_VERIFIED, IN, NOP, EA_CLOSE, EV_CAP_STATION, EV_CLOSED, EF_CLOSE, 0, 1},
	/* the external loop */
	{EV_ESCALATED, EX, NOP, EA_REGISTER, EV_CAP_CENTRE, EV_REGISTERED, EF_ACCEPTED | EF_PHASE, 0, 1},
	{EV_ESCALATED, EX, NOP, EA_REJECT, EV_CAP_CENTRE, EV_REJECTED, EF_REJECT, 0, 1},
	{EV_ESCALATED, EX, NOP, EA_ESCALATE, EV_CAP_CENTRE, EV_ESCALATED, EF_ESCALATE | EF_PHASE, 0, 1},
	{EV_ESCALATED, EX, NOP, EA_MERGE, EV_CAP_CENTRE, EV_MERGED, EF_MERGE, 0, 1},
	{EV_REGISTERED, EX, NOP, EA_DISPATCH, EV_CAP_CENTRE, EV_DISPATCHED, EF_SET_DEPT, EF_PHASE, 1},
	{EV_REGISTERED, EX, NOP, EA_ESCALATE, EV_CAP_CENTRE, EV_ESCALATED, EF_ESCALATE | EF_PHASE, 0, 1},
	{EV_REGISTERED, EX, NOP, EA_MERGE, EV_CAP_CENTRE, EV_MERGED, EF_MERGE, 0, 1},
	{EV_DISPATCHED, EX, NOP, EA_SIGN, EV_CAP_DEPT, EV_HANDLING, 0, EF_PHASE, 1},
	{EV_DISPATCHED, EX, NOP, EA_RETURN, EV_CAP_DEPT, EV_REGISTERED, EF_CLEAR_DEPT, EF_PHASE, 0},
	{EV_DISPATCHED, EX, NOP, EA_TO_INTERNAL, EV_CAP_DEPT, EV_DISPATCHED, EF_PENDING_SET, 0, 0},
	{EV_HANDLING, EX, NOP, EA_ASSIGN, EV_CAP_DEPT, EV_HANDLING, EF_ASSIGN, 0, 0},
	{EV_HANDLING, EX, NOP, EA_COMPLETE, EV_CAP_DEPT, EV_VERIFYING, EF_SET_HANDLER | EF_PHASE, 0, 1},
	{EV_HANDLING, EX, NOP, EA_EXTEND_REQUEST, EV_CAP_DEPT, EV_HANDLING, EF_PENDING_SET, 0, 0},
	{EV_HANDLING, EX, EV_PENDING_EXTEND, EA_EXTEND_APPROVE, EV_CAP_CENTRE, EV_HANDLING, EF_EXTEND, 0, 0},
	{EV_HANDLING, EX, NOP, EA_TO_INTERNAL, EV_CAP_DEPT, EV_HANDLING, EF_PENDING_SET, 0, 0},
	{EV_HANDLING, EX, EV_PENDING_TO_INTERNAL, EA_TO_INTERNAL_APPROVE, EV_CAP_CENTRE, EV_HANDLING,
	 EF_INTERNALIZE | EF_CLEAR_DEPT | EF_CLEAR_HANDLER | EF_PENDING_CLEAR | EF_PHASE, 0, 1},
	{EV_DISPATCHED, EX, EV_PENDING_TO_INTERNAL, EA_TO_INTERNAL_APPROVE, EV_CAP_CENTRE, EV_HANDLING,
	 EF_INTERNALIZE | EF_CLEAR_DEPT | EF_PHASE, 0, 1},
	{EV_HANDLING, EX, EV_PENDING_TO_INTERNAL, EA_TO_INTERNAL_DENY, EV_CAP_CENTRE, EV_HANDLING,
	 EF_PENDING_CLEAR, EF_INTERNALIZE | EF_PHASE, 0},
	{EV_VERIFYING, EX, NOP, EA_VERIFY_PASS, EV_CAP_GRID_WORKER, EV_VERIFIED, EF_SET_VERIFIER, 0, 1},
	{EV_VERIFYING, EX, NOP, EA_VERIFY_FAIL, EV_CAP_GRID_WORKER, EV_HANDLING, EF_REWORK | EF_PHASE, 0, 1},
	{EV_VERIFIED, EX, NOP, EA_CLOSE, EV_CAP_CENTRE, EV_CLOSED, EF_CLOSE | EF_PHASE, 0, 1},
	/* anywhere open */
	{EV_REPORTED, IN, NOP, EA_SUPERVISE, EV_CAP_LEADER, EV_REPORTED, EF_SUPERVISE, EF_PHASE, 0},
	{EV_DISPATCHED, EX, NOP, EA_SUPERVISE, EV_CAP_CENTRE_ANY, EV_DISPATCHED, EF_SUPERVISE, 0, 0},
	{EV_VERIFIED, IN, NOP, EA_SUPERVISE, EV_CAP_CENTRE, EV_VERIFIED, EF_SUPERVISE, 0, 0},
	/* the resident */
	{EV_CLOSED, IN, NOP, EA_RATE, EV_CAP_RESIDENT | EV_CAP_REPORTER, EV_CLOSED, EF_RATE,
	 EF_REOPEN | EF_PHASE, 1},
};

static void test_diagram(void **state)
{
	for (size_t i = 0; i < sizeof(diagram) / sizeof(diagram[0]); i++) {
		const struct transition *t = &diagram[i];
		struct ev_facts f = facts(t->from, t->loop);
		struct ev_step s;
		struct err e = ERR_INIT;

		f.pending = t->pending;
		if (decide(&f, t->action, t->caps, &FULL, &s, &e) < 0)
			fail_msg("row %zu: %s from %s (%s) refused: %s", i, ev_action_name(t->action),
			         ev_status_name(t->from), ev_loop_name(t->loop), e.code);
		if (s.to != t->to)
			fail_msg("row %zu: %s from %s goes to %s, %s expected", i, ev_action_name(t->action),
			         ev_status_name(t->from), ev_status_name(s.to), ev_status_name(t->to));
		if ((s.effects & t->effects) != t->effects)
			fail_msg("row %zu: %s: effects %#x lack %#x", i, ev_action_name(t->action), s.effects,
			         t->effects & ~s.effects);
		if (s.effects & t->not_effects)
			fail_msg("row %zu: %s: effects %#x must not have %#x", i, ev_action_name(t->action),
			         s.effects, s.effects & t->not_effects);
		if (s.public_step != t->public_step)
			fail_msg("row %zu: %s: public %d, %d expected", i, ev_action_name(t->action),
			         s.public_step, t->public_step);
		assert_false(err_isset(&e));
	}
}

/* Rollback returns to the status before, whatever it was. */
static void test_rollback(void **state)
{
	static const struct { enum ev_status from, prev; enum ev_loop loop; } rows[] = {
		{EV_HANDLING, EV_REPORTED, IN},
		{EV_VERIFYING, EV_HANDLING, IN},
		{EV_VERIFIED, EV_VERIFYING, IN},
		{EV_HANDLING, EV_VERIFYING, IN},    /* after 返工 */
		{EV_REGISTERED, EV_ESCALATED, EX},
		{EV_DISPATCHED, EV_REGISTERED, EX},
		{EV_HANDLING, EV_DISPATCHED, EX},
		{EV_VERIFYING, EV_HANDLING, EX},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ev_facts f = facts(rows[i].from, rows[i].loop);
		struct ev_step s;
		struct err e = ERR_INIT;

		f.prev_status = rows[i].prev;
		assert_int_equal(decide(&f, EA_ROLLBACK, EV_CAP_CENTRE, &FULL, &s, &e), 0);
		assert_int_equal(s.to, rows[i].prev);
		assert_true(s.effects & EF_ROLLBACK);
		assert_true(s.public_step);
		/* only the centre rolls back */
		assert_fails(&f, EA_ROLLBACK, ALL_CAPS & ~(EV_CAP_CENTRE), &FULL, 403, "event.forbidden");
		/* a reason is required */
		{
			struct ev_input in = FULL;

			in.has_reason = 0;
			assert_fails(&f, EA_ROLLBACK, EV_CAP_CENTRE, &in, 400, "event.reason_required");
		}
	}
	/* nothing to go back to, or back into a closed status */
	{
		struct ev_facts f = facts(EV_HANDLING, IN);

		assert_fails(&f, EA_ROLLBACK, EV_CAP_CENTRE, &FULL, 409, "event.illegal_transition");
		f.prev_status = EV_CLOSED;          /* reopened by the resident */
		assert_fails(&f, EA_ROLLBACK, EV_CAP_CENTRE, &FULL, 409, "event.illegal_transition");
		f = facts(EV_REPORTED, IN);
		f.prev_status = EV_HANDLING;
		assert_fails(&f, EA_ROLLBACK, EV_CAP_CENTRE, &FULL, 409, "event.illegal_transition");
		f = facts(EV_CLOSED, IN);
		f.prev_status = EV_VERIFIED;
		assert_fails(&f, EA_ROLLBACK, EV_CAP_CENTRE, &FULL, 409, "event.illegal_transition");
	}
}

/* ------------------------------------------- the status x action matrix */

/* Statuses from which each action is possible, written independently of
 * the implementation from the diagram: [internal, external]. */
static unsigned legal_from(enum ev_action a, enum ev_loop loop)
{
	const unsigned open = S(EV_REPORTED) | S(EV_HANDLING) | S(EV_ESCALATED) | S(EV_REGISTERED) |
	                      S(EV_DISPATCHED) | S(EV_VERIFYING) | S(EV_VERIFIED);
	int ex = loop == EX;

	switch (a) {
	case EA_ACCEPT: return S(EV_REPORTED);
	case EA_REJECT: return S(EV_REPORTED) | S(EV_ESCALATED);
	case EA_ASSIGN: return S(EV_HANDLING);
	case EA_ESCALATE:
		return S(EV_REPORTED) | S(EV_ESCALATED) | S(EV_REGISTERED) | (ex ? 0 : S(EV_HANDLING));
	case EA_REGISTER: return S(EV_ESCALATED);
	case EA_DISPATCH: return S(EV_REGISTERED);
	case EA_SIGN: return S(EV_DISPATCHED);
	case EA_RETURN: return S(EV_DISPATCHED);
	case EA_COMPLETE: return S(EV_HANDLING);
	case EA_VERIFY_PASS:
	case EA_VERIFY_FAIL: return S(EV_VERIFYING);
	case EA_CLOSE: return S(EV_VERIFIED);
	case EA_EXTEND_REQUEST:
	case EA_EXTEND_APPROVE:
	case EA_EXTEND_DENY: return S(EV_HANDLING);
	case EA_TO_INTERNAL:
	case EA_TO_INTERNAL_APPROVE:
	case EA_TO_INTERNAL_DENY: return ex ? S(EV_HANDLING) | S(EV_DISPATCHED) : 0;
	case EA_ROLLBACK:
		return S(EV_HANDLING) | S(EV_REGISTERED) | S(EV_DISPATCHED) | S(EV_VERIFYING) |
		       S(EV_VERIFIED);
	case EA_SUPERVISE: return open;
	case EA_MERGE:
		return S(EV_REPORTED) | S(EV_ESCALATED) | S(EV_REGISTERED) | (ex ? 0 : S(EV_HANDLING));
	case EA_RATE: return S(EV_CLOSED);
	default: return 0;
	}
}

static int pending_for(enum ev_action a)
{
	if (a == EA_EXTEND_APPROVE || a == EA_EXTEND_DENY)
		return EV_PENDING_EXTEND;
	if (a == EA_TO_INTERNAL_APPROVE || a == EA_TO_INTERNAL_DENY)
		return EV_PENDING_TO_INTERNAL;
	return EV_PENDING_NONE;
}

/* Every status x action x loop: legal ones pass with every capacity but
 * those the 采办分离 rules look at, the rest are 409 illegal_transition. */
static void test_matrix(void **state)
{
	unsigned caps = ALL_CAPS & ~(EV_CAP_REPORTER | EV_CAP_HANDLER);

	for (int loop = IN; loop <= EX; loop++)
		for (int st = 0; st < EV_NSTATUS; st++)
			for (int a = EA_ACCEPT; a < EA_NACTION; a++) {
				struct ev_facts f = facts((enum ev_status)st, (enum ev_loop)loop);
				int legal = (legal_from((enum ev_action)a, (enum ev_loop)loop) & S(st)) != 0;
				struct ev_step s;
				struct err e = ERR_INIT;
				int rc;

				f.pending = pending_for((enum ev_action)a);
				f.prev_status = EV_REPORTED;
				if (st == EV_HANDLING || st == EV_REGISTERED || st == EV_DISPATCHED)
					f.prev_status = loop == EX ? EV_ESCALATED : EV_REPORTED;
				rc = decide(&f, (enum ev_action)a, caps, &FULL, &s, &e);
				if (legal && rc < 0)
					fail_msg("%s from %s (%s) refused: %s", ev_action_name(a), ev_status_name(st),
					         ev_loop_name(loop), e.code);
				if (!legal && (rc == 0 || e.status != 409 ||
				               strcmp(e.code, "event.illegal_transition") != 0))
					fail_msg("%s from %s (%s): %d %s, 409 illegal_transition expected",
					         ev_action_name(a), ev_status_name(st), ev_loop_name(loop),
					         rc == 0 ? 200 : e.status, e.code);
				/* the status an action leaves unchanged stays */
				if (legal && (a == EA_SUPERVISE || a == EA_ASSIGN || a == EA_EXTEND_REQUEST ||
				              a == EA_EXTEND_APPROVE || a == EA_EXTEND_DENY ||
				              a == EA_TO_INTERNAL || a == EA_TO_INTERNAL_DENY))
					assert_int_equal(s.to, st);
			}
}

/* Reporting is creation, not a step. Unknown actions are illegal. */
static void test_report_is_no_step(void **state)
{
	for (int st = 0; st < EV_NSTATUS; st++) {
		struct ev_facts f = facts((enum ev_status)st, IN);

		assert_fails(&f, EA_REPORT, ALL_CAPS, &FULL, 409, "event.illegal_transition");
		assert_fails(&f, EA_NACTION, ALL_CAPS, &FULL, 409, "event.illegal_transition");
	}
}

/* ----------------------------------------------------------- capacities */

/* The capacities of which any one lets an actor take a legal step. */
static unsigned need(const struct ev_facts *f, enum ev_action a)
{
	const unsigned internal_handlers = EV_CAP_GRID_WORKER | EV_CAP_GRID_LEADER | EV_CAP_STATION |
	                                   EV_CAP_ASSIGNEE;
	int ex = f->loop == EX;

	switch (a) {
	case EA_ACCEPT: return EV_CAP_CENTRE | EV_CAP_STATION;
	case EA_REJECT: return f->status == EV_REPORTED ? EV_CAP_CENTRE | EV_CAP_STATION : EV_CAP_CENTRE;
	case EA_ASSIGN:
		return ex ? EV_CAP_DEPT | EV_CAP_CENTRE : EV_CAP_CENTRE | EV_CAP_STATION | EV_CAP_GRID_LEADER;
	case EA_ESCALATE:
		return f->status == EV_REPORTED || f->status == EV_HANDLING
		       ? internal_handlers | EV_CAP_CENTRE : EV_CAP_CENTRE;
	case EA_REGISTER:
	case EA_DISPATCH: return EV_CAP_CENTRE;
	case EA_SIGN:
	case EA_RETURN: return EV_CAP_DEPT;
	case EA_COMPLETE:
	case EA_EXTEND_REQUEST: return ex ? EV_CAP_DEPT : internal_handlers;
	case EA_VERIFY_PASS:
	case EA_VERIFY_FAIL:
		/* in the external loop R3 then narrows it to the grid worker */
		return EV_CAP_GRID_WORKER | EV_CAP_GRID_LEADER | EV_CAP_STATION | EV_CAP_CENTRE;
	case EA_CLOSE: return ex ? EV_CAP_CENTRE : EV_CAP_CENTRE | EV_CAP_STATION | EV_CAP_GRID_LEADER;
	case EA_EXTEND_APPROVE:
	case EA_EXTEND_DENY:
	case EA_TO_INTERNAL_APPROVE:
	case EA_TO_INTERNAL_DENY:
	case EA_ROLLBACK: return EV_CAP_CENTRE;
	case EA_TO_INTERNAL: return EV_CAP_DEPT;
	case EA_SUPERVISE: return EV_CAP_CENTRE | EV_CAP_CENTRE_ANY | EV_CAP_LEADER;
	case EA_MERGE:
		return f->level == EV_LEVEL_COMMUNITY ? EV_CAP_CENTRE | EV_CAP_STATION : EV_CAP_CENTRE;
	case EA_RATE: return EV_CAP_RESIDENT;
	default: return 0;
	}
}

/* For every legal step, each single capacity either passes the capacity
 * check (and then succeeds or meets a 采办分离 rule) or is 403
 * event.forbidden, exactly as need() says; no capacity at all is 403. */
static void test_capacities(void **state)
{
	for (int loop = IN; loop <= EX; loop++)
		for (int st = 0; st < EV_NSTATUS; st++)
			for (int a = EA_ACCEPT; a < EA_NACTION; a++) {
				struct ev_facts f = facts((enum ev_status)st, (enum ev_loop)loop);

				if (!(legal_from((enum ev_action)a, (enum ev_loop)loop) & S(st)))
					continue;
				f.pending = pending_for((enum ev_action)a);
				f.prev_status = EV_REPORTED;
				assert_fails(&f, (enum ev_action)a, 0, &FULL, 403, "event.forbidden");
				for (unsigned cap = 1; cap <= EV_CAP_CENTRE_ANY; cap <<= 1) {
					struct ev_step s;
					struct err e = ERR_INIT;
					int rc = decide(&f, (enum ev_action)a, cap, &FULL, &s, &e);
					int passed = rc == 0 || (e.status == 409 && strncmp(e.code, "rule.", 5) == 0);

					if (passed != ((need(&f, (enum ev_action)a) & cap) != 0))
						fail_msg("%s from %s (%s) with capacity %#x: %d %s", ev_action_name(a),
						         ev_status_name(st), ev_loop_name(loop), cap,
						         rc == 0 ? 200 : e.status, e.code);
				}
			}
}

/* The last level: nothing above the district. */
static void test_top_level(void **state)
{
	struct ev_facts f = facts(EV_ESCALATED, EX);
	struct ev_step s;
	struct err e = ERR_INIT;

	f.level = EV_LEVEL_DISTRICT;
	assert_fails(&f, EA_ESCALATE, EV_CAP_CENTRE, &FULL, 409, "event.top_level");
	f.status = EV_REGISTERED;
	assert_fails(&f, EA_ESCALATE, EV_CAP_CENTRE, &FULL, 409, "event.top_level");
	/* the district centre still registers it */
	f.status = EV_ESCALATED;
	assert_int_equal(decide(&f, EA_REGISTER, EV_CAP_CENTRE, &FULL, &s, &e), 0);
	/* and at the district, only the centre merges */
	f.status = EV_REGISTERED;
	assert_fails(&f, EA_MERGE, EV_CAP_STATION, &FULL, 403, "event.forbidden");
}

/* ------------------------------------------------------------- 采办分离 */

/* R1: the reporter never handles in the external loop, but may in the
 * internal loop. */
static void test_r1_reporter_handles(void **state)
{
	static const struct { enum ev_status st; enum ev_action a; } ext[] = {
		{EV_DISPATCHED, EA_SIGN},
		{EV_HANDLING, EA_COMPLETE},
		{EV_HANDLING, EA_EXTEND_REQUEST},
		{EV_HANDLING, EA_TO_INTERNAL},
		{EV_DISPATCHED, EA_TO_INTERNAL},
	};
	struct ev_step s;
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		struct ev_facts f = facts(ext[i].st, EX);

		assert_fails(&f, ext[i].a, EV_CAP_DEPT | EV_CAP_REPORTER, &FULL, 409,
		             "rule.reporter_handles");
		/* someone else of the department may */
		assert_int_equal(decide(&f, ext[i].a, EV_CAP_DEPT, &FULL, &s, &e), 0);
	}
	/* assigning is not handling: the reporting department head may assign */
	{
		struct ev_facts f = facts(EV_HANDLING, EX);

		assert_int_equal(decide(&f, EA_ASSIGN, EV_CAP_DEPT | EV_CAP_REPORTER, &FULL, &s, &e), 0);
	}
	/* the internal loop: the grid worker who reported it handles it */
	{
		struct ev_facts f = facts(EV_HANDLING, IN);

		assert_int_equal(decide(&f, EA_COMPLETE, EV_CAP_GRID_WORKER | EV_CAP_REPORTER, &FULL, &s, &e), 0);
		assert_int_equal(s.to, EV_VERIFYING);
		assert_int_equal(decide(&f, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER | EV_CAP_REPORTER, &FULL,
		                        &s, &e), 0);
		/* and may escalate it */
		assert_int_equal(decide(&f, EA_ESCALATE, EV_CAP_GRID_WORKER | EV_CAP_REPORTER, &FULL, &s, &e),
		                 0);
	}
}

/* R2: whoever handled it never verifies or closes it. */
static void test_r2_handler_verifies(void **state)
{
	struct ev_step s;
	struct err e = ERR_INIT;

	for (int loop = IN; loop <= EX; loop++) {
		struct ev_facts f = facts(EV_VERIFYING, (enum ev_loop)loop);

		f.handler_is_grid_worker = 1;
		assert_fails(&f, EA_VERIFY_PASS, EV_CAP_GRID_WORKER | EV_CAP_HANDLER, &FULL, 409,
		             "rule.handler_verifies");
		assert_fails(&f, EA_VERIFY_FAIL, EV_CAP_GRID_WORKER | EV_CAP_HANDLER, &FULL, 409,
		             "rule.handler_verifies");
		assert_fails(&f, EA_VERIFY_PASS, EV_CAP_GRID_LEADER | EV_CAP_HANDLER, &FULL, 409,
		             "rule.handler_verifies");
		f.status = EV_VERIFIED;
		assert_fails(&f, EA_CLOSE, EV_CAP_CENTRE | EV_CAP_STATION | EV_CAP_HANDLER, &FULL, 409,
		             "rule.handler_verifies");
	}
	/* internal loop: the grid leader verifies what the grid worker did */
	{
		struct ev_facts f = facts(EV_VERIFYING, IN);

		f.handler_is_grid_worker = 1;
		assert_int_equal(decide(&f, EA_VERIFY_PASS, EV_CAP_GRID_LEADER, &FULL, &s, &e), 0);
		/* …and the station head verifies what the grid leader did */
		f.handler_is_grid_worker = 0;
		assert_int_equal(decide(&f, EA_VERIFY_FAIL, EV_CAP_STATION, &FULL, &s, &e), 0);
	}
}

/* R3: external-loop verification is the grid worker's, or the grid
 * leader's when the grid worker handled it. */
static void test_r3_verifier_grid(void **state)
{
	struct ev_step s;
	struct err e = ERR_INIT;
	struct ev_facts f = facts(EV_VERIFYING, EX);

	/* the department handled it: the grid worker verifies */
	assert_int_equal(decide(&f, EA_VERIFY_PASS, EV_CAP_GRID_WORKER, &FULL, &s, &e), 0);
	assert_int_equal(decide(&f, EA_VERIFY_FAIL, EV_CAP_GRID_WORKER, &FULL, &s, &e), 0);
	assert_int_equal(decide(&f, EA_VERIFY_PASS, EV_CAP_GRID_WORKER | EV_CAP_GRID_LEADER, &FULL, &s,
	                        &e), 0);
	assert_fails(&f, EA_VERIFY_PASS, EV_CAP_GRID_LEADER, &FULL, 409, "rule.verifier_grid");
	assert_fails(&f, EA_VERIFY_FAIL, EV_CAP_GRID_LEADER, &FULL, 409, "rule.verifier_grid");
	/* the centre and the station are told why, not just "forbidden" */
	assert_fails(&f, EA_VERIFY_PASS, EV_CAP_CENTRE, &FULL, 409, "rule.verifier_grid");
	assert_fails(&f, EA_VERIFY_PASS, EV_CAP_STATION, &FULL, 409, "rule.verifier_grid");
	assert_fails(&f, EA_VERIFY_PASS, EV_CAP_DEPT, &FULL, 403, "event.forbidden");
	/* the grid worker handled it (a worker with a department grant): the
	 * grid leader verifies; another grid worker of the grid may not */
	f.handler_is_grid_worker = 1;
	assert_int_equal(decide(&f, EA_VERIFY_PASS, EV_CAP_GRID_LEADER, &FULL, &s, &e), 0);
	assert_fails(&f, EA_VERIFY_PASS, EV_CAP_GRID_WORKER, &FULL, 409, "rule.verifier_grid");
	/* closing the external loop is the centre's */
	f = facts(EV_VERIFIED, EX);
	assert_int_equal(decide(&f, EA_CLOSE, EV_CAP_CENTRE, &FULL, &s, &e), 0);
	assert_fails(&f, EA_CLOSE, EV_CAP_GRID_LEADER | EV_CAP_STATION, &FULL, 403, "event.forbidden");
}

/* ---------------------------------------------------------------- inputs */

static void test_reason_required(void **state)
{
	static const struct { enum ev_status st; enum ev_loop loop; int pending; enum ev_action a; unsigned caps; } rows[] = {
		{EV_REPORTED, IN, NOP, EA_REJECT, EV_CAP_STATION},
		{EV_REPORTED, IN, NOP, EA_ESCALATE, EV_CAP_GRID_WORKER},
		{EV_DISPATCHED, EX, NOP, EA_RETURN, EV_CAP_DEPT},
		{EV_VERIFYING, IN, NOP, EA_VERIFY_FAIL, EV_CAP_GRID_LEADER},
		{EV_HANDLING, IN, NOP, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER},
		{EV_HANDLING, IN, EV_PENDING_EXTEND, EA_EXTEND_DENY, EV_CAP_CENTRE},
		{EV_HANDLING, EX, NOP, EA_TO_INTERNAL, EV_CAP_DEPT},
		{EV_HANDLING, EX, EV_PENDING_TO_INTERNAL, EA_TO_INTERNAL_DENY, EV_CAP_CENTRE},
	};
	struct ev_input in = FULL;
	struct ev_step s;
	struct err e = ERR_INIT;

	in.has_reason = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ev_facts f = facts(rows[i].st, rows[i].loop);

		f.pending = rows[i].pending;
		assert_fails(&f, rows[i].a, rows[i].caps, &in, 400, "event.reason_required");
		/* in = NULL: listing what is allowed skips the inputs */
		assert_int_equal(decide(&f, rows[i].a, rows[i].caps, NULL, &s, &e), 0);
	}
	/* steps without a reason need none */
	{
		struct ev_facts f = facts(EV_REPORTED, IN);

		assert_int_equal(decide(&f, EA_ACCEPT, EV_CAP_STATION, &in, &s, &e), 0);
		f = facts(EV_VERIFYING, IN);
		assert_int_equal(decide(&f, EA_VERIFY_PASS, EV_CAP_GRID_LEADER, &in, &s, &e), 0);
		f = facts(EV_HANDLING, IN);
		f.pending = EV_PENDING_EXTEND;
		assert_int_equal(decide(&f, EA_EXTEND_APPROVE, EV_CAP_CENTRE, &in, &s, &e), 0);
	}
}

static void test_other_inputs(void **state)
{
	struct ev_facts f = facts(EV_HANDLING, IN);
	struct ev_input in = FULL;
	struct ev_step s;
	struct err e = ERR_INIT;

	in.has_result = 0;
	assert_fails(&f, EA_COMPLETE, EV_CAP_GRID_WORKER, &in, 400, "event.result_required");
	in = FULL;
	in.minutes = 0;
	assert_fails(&f, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER, &in, 400, "event.bad_minutes");
	in.minutes = -5;
	assert_fails(&f, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER, &in, 400, "event.bad_minutes");
	in.minutes = EV_EXTEND_MAX_MINUTES + 1;
	assert_fails(&f, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER, &in, 400, "event.bad_minutes");
	in.minutes = EV_EXTEND_MAX_MINUTES;
	assert_int_equal(decide(&f, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER, &in, &s, &e), 0);
	in.minutes = 1;
	assert_int_equal(decide(&f, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER, &in, &s, &e), 0);

	in = FULL;
	in.supervision = 0;
	assert_fails(&f, EA_SUPERVISE, EV_CAP_LEADER, &in, 400, "event.bad_supervision");
	in.supervision = 4;
	assert_fails(&f, EA_SUPERVISE, EV_CAP_LEADER, &in, 400, "event.bad_supervision");
	for (in.supervision = 1; in.supervision <= 3; in.supervision++)
		assert_int_equal(decide(&f, EA_SUPERVISE, EV_CAP_LEADER, &in, &s, &e), 0);

	in = FULL;
	in.has_target = 0;
	assert_fails(&f, EA_ASSIGN, EV_CAP_STATION, &in, 400, "event.target_required");
	assert_fails(&f, EA_MERGE, EV_CAP_STATION, &in, 400, "event.target_required");
	f = facts(EV_REGISTERED, EX);
	assert_fails(&f, EA_DISPATCH, EV_CAP_CENTRE, &in, 400, "event.target_required");

	/* the state comes before the input: an illegal step with no input is
	 * still illegal, and a forbidden one still forbidden */
	in = (struct ev_input){0};
	f = facts(EV_CLOSED, IN);
	assert_fails(&f, EA_COMPLETE, EV_CAP_GRID_WORKER, &in, 409, "event.illegal_transition");
	f = facts(EV_HANDLING, IN);
	assert_fails(&f, EA_COMPLETE, EV_CAP_DEPT, &in, 403, "event.forbidden");
}

/* -------------------------------------------------------------- pending */

static void test_pending(void **state)
{
	struct ev_facts f = facts(EV_HANDLING, IN);
	struct ev_step s;
	struct err e = ERR_INIT;

	/* one request at a time */
	f.pending = EV_PENDING_EXTEND;
	assert_fails(&f, EA_EXTEND_REQUEST, EV_CAP_GRID_WORKER, &FULL, 409, "event.pending");
	f = facts(EV_HANDLING, EX);
	f.pending = EV_PENDING_EXTEND;
	assert_fails(&f, EA_TO_INTERNAL, EV_CAP_DEPT, &FULL, 409, "event.pending");
	assert_fails(&f, EA_TO_INTERNAL_APPROVE, EV_CAP_CENTRE, &FULL, 409, "event.no_pending");
	f.pending = EV_PENDING_TO_INTERNAL;
	assert_fails(&f, EA_EXTEND_REQUEST, EV_CAP_DEPT, &FULL, 409, "event.pending");
	assert_fails(&f, EA_EXTEND_APPROVE, EV_CAP_CENTRE, &FULL, 409, "event.no_pending");
	assert_fails(&f, EA_EXTEND_DENY, EV_CAP_CENTRE, &FULL, 409, "event.no_pending");
	/* nothing to answer */
	f.pending = EV_PENDING_NONE;
	assert_fails(&f, EA_EXTEND_APPROVE, EV_CAP_CENTRE, &FULL, 409, "event.no_pending");
	assert_fails(&f, EA_TO_INTERNAL_DENY, EV_CAP_CENTRE, &FULL, 409, "event.no_pending");
	/* completing withdraws an open request */
	f.pending = EV_PENDING_EXTEND;
	assert_int_equal(decide(&f, EA_COMPLETE, EV_CAP_DEPT, &FULL, &s, &e), 0);
	assert_true(s.effects & EF_PENDING_CLEAR);
	/* the internal loop has no 外转内 */
	f = facts(EV_HANDLING, IN);
	assert_fails(&f, EA_TO_INTERNAL, EV_CAP_DEPT, &FULL, 409, "event.illegal_transition");
}

/* --------------------------------------------------------------- rating */

static void test_rating(void **state)
{
	struct ev_facts f = facts(EV_CLOSED, IN);
	struct ev_input in = FULL;
	struct ev_step s;
	struct err e = ERR_INIT;
	unsigned resident = EV_CAP_RESIDENT | EV_CAP_REPORTER;

	f.resident_report = 1;
	/* 满意 and 基本满意 keep it closed */
	for (in.rating = 1; in.rating <= 2; in.rating++) {
		assert_int_equal(decide(&f, EA_RATE, resident, &in, &s, &e), 0);
		assert_int_equal(s.to, EV_CLOSED);
		assert_true(s.effects & EF_RATE);
		assert_false(s.effects & (EF_REOPEN | EF_PHASE));
	}
	/* 不满意 reopens, once */
	in.rating = 3;
	assert_int_equal(decide(&f, EA_RATE, resident, &in, &s, &e), 0);
	assert_int_equal(s.to, EV_HANDLING);
	assert_true(s.effects & EF_REOPEN);
	assert_true(s.effects & EF_PHASE);
	assert_true(s.public_step);
	f.reopen_count = 1;
	assert_int_equal(decide(&f, EA_RATE, resident, &in, &s, &e), 0);
	assert_int_equal(s.to, EV_CLOSED);
	assert_false(s.effects & EF_REOPEN);
	/* a rating stands */
	f.rated = 1;
	assert_fails(&f, EA_RATE, resident, &in, 409, "event.already_rated");
	f.rated = 0;
	/* bad ratings */
	in.rating = 0;
	assert_fails(&f, EA_RATE, resident, &in, 400, "event.bad_rating");
	in.rating = 4;
	assert_fails(&f, EA_RATE, resident, &in, 400, "event.bad_rating");
	/* only the reporting resident rates; staff who reported do not */
	in.rating = 1;
	assert_fails(&f, EA_RATE, EV_CAP_REPORTER | EV_CAP_GRID_WORKER, &in, 403, "event.forbidden");
	assert_fails(&f, EA_RATE, ALL_CAPS & ~EV_CAP_RESIDENT, &in, 403, "event.forbidden");
	/* not before it is closed */
	f.status = EV_VERIFIED;
	assert_fails(&f, EA_RATE, resident, &in, 409, "event.illegal_transition");
	/* in = NULL (listing): 不满意 unknown, no reopen */
	f.status = EV_CLOSED;
	assert_int_equal(decide(&f, EA_RATE, resident, NULL, &s, &e), 0);
	assert_int_equal(s.to, EV_CLOSED);
}

/* ----------------------------------------------------------- ev_allowed */

static void test_allowed_matches_decide(void **state)
{
	static const unsigned capsets[] = {
		0, EV_CAP_CENTRE, EV_CAP_STATION, EV_CAP_GRID_LEADER, EV_CAP_GRID_WORKER, EV_CAP_DEPT,
		EV_CAP_RESIDENT | EV_CAP_REPORTER, EV_CAP_LEADER, EV_CAP_CENTRE_ANY,
		EV_CAP_GRID_WORKER | EV_CAP_REPORTER, EV_CAP_GRID_WORKER | EV_CAP_HANDLER,
		EV_CAP_DEPT | EV_CAP_REPORTER, EV_CAP_DEPT | EV_CAP_HANDLER,
		EV_CAP_STATION | EV_CAP_GRID_LEADER | EV_CAP_HANDLER, EV_CAP_ASSIGNEE,
		ALL_CAPS, ALL_CAPS & ~(EV_CAP_HANDLER | EV_CAP_REPORTER),
	};
	int checked = 0;

	for (int loop = IN; loop <= EX; loop++)
		for (int st = 0; st < EV_NSTATUS; st++)
			for (int level = 1; level <= 3; level++)
				for (int pend = 0; pend <= 2; pend++)
					for (int flags = 0; flags < 8; flags++)
						for (size_t c = 0; c < sizeof(capsets) / sizeof(capsets[0]); c++) {
							struct ev_facts f = facts((enum ev_status)st, (enum ev_loop)loop);
							uint32_t bits;

							f.level = level;
							f.pending = pend;
							f.rated = flags & 1;
							f.reopen_count = (flags >> 1) & 1;
							f.handler_is_grid_worker = (flags >> 2) & 1;
							f.prev_status = (enum ev_status)((st + 1) % EV_NSTATUS);
							bits = ev_allowed(&f, capsets[c]);
							assert_false(bits & 1u);      /* report is never a step */
							for (int a = EA_ACCEPT; a < EA_NACTION; a++) {
								struct ev_step s;
								struct err e = ERR_INIT;
								int ok = decide(&f, (enum ev_action)a, capsets[c], NULL, &s, &e) == 0;

								if (ok != (int)((bits >> a) & 1))
									fail_msg("allowed/decide disagree on %s from %s", ev_action_name(a),
									         ev_status_name(st));
								checked++;
							}
						}
	assert_true(checked > 10000);
	/* a few spot checks of what people see */
	{
		struct ev_facts f = facts(EV_REPORTED, IN);
		uint32_t b = ev_allowed(&f, EV_CAP_STATION);

		assert_true(b & S(EA_ACCEPT));
		assert_true(b & S(EA_REJECT));
		assert_true(b & S(EA_ESCALATE));
		assert_true(b & S(EA_MERGE));
		assert_false(b & S(EA_SUPERVISE));
		assert_false(b & S(EA_COMPLETE));
		f = facts(EV_CLOSED, IN);
		assert_int_equal(ev_allowed(&f, ALL_CAPS & ~EV_CAP_RESIDENT), 0);
		f = facts(EV_REJECTED, IN);
		assert_int_equal(ev_allowed(&f, ALL_CAPS), 0);
		f = facts(EV_MERGED, IN);
		assert_int_equal(ev_allowed(&f, ALL_CAPS), 0);
	}
}

/* ---------------------------------------------------------------- clocks */

static void test_clock_marks(void **state)
{
	struct ev_clock c;
	const int64_t t0 = 1700000000, a = 1000;

	ev_clock(t0, a, t0, &c);
	assert_int_equal(c.warn_at, t0 + 800);
	assert_int_equal(c.deadline_at, t0 + 1000);
	assert_int_equal(c.warning, 0);
	assert_int_equal(c.supervision, 0);
	assert_int_equal(c.next, t0 + 800);

	ev_clock(t0, a, t0 + 799, &c);
	assert_int_equal(c.warning, 0);
	assert_int_equal(c.next, t0 + 800);
	/* yellow at 80% */
	ev_clock(t0, a, t0 + 800, &c);
	assert_int_equal(c.warning, 1);
	assert_int_equal(c.supervision, 0);
	assert_int_equal(c.next, t0 + 1000);
	ev_clock(t0, a, t0 + 999, &c);
	assert_int_equal(c.warning, 1);
	/* red and 普通督办 at 100% */
	ev_clock(t0, a, t0 + 1000, &c);
	assert_int_equal(c.warning, 2);
	assert_int_equal(c.supervision, 1);
	assert_int_equal(c.next, t0 + 1500);
	ev_clock(t0, a, t0 + 1499, &c);
	assert_int_equal(c.supervision, 1);
	/* 黄牌 at 150% */
	ev_clock(t0, a, t0 + 1500, &c);
	assert_int_equal(c.warning, 2);
	assert_int_equal(c.supervision, 2);
	assert_int_equal(c.next, t0 + 2000);
	ev_clock(t0, a, t0 + 1999, &c);
	assert_int_equal(c.supervision, 2);
	/* 红牌 at 200%, then nothing more to wait for */
	ev_clock(t0, a, t0 + 2000, &c);
	assert_int_equal(c.warning, 2);
	assert_int_equal(c.supervision, 3);
	assert_int_equal(c.next, 0);
	ev_clock(t0, a, t0 + 100000, &c);
	assert_int_equal(c.supervision, 3);
	assert_int_equal(c.next, 0);
	/* marks and results do not depend on when one looks */
	assert_int_equal(c.warn_at, t0 + 800);
	assert_int_equal(c.deadline_at, t0 + 1000);
	/* before the start (a clock skew): nothing yet */
	ev_clock(t0, a, t0 - 50, &c);
	assert_int_equal(c.warning, 0);
	assert_int_equal(c.next, t0 + 800);
	/* no allowance: no clock */
	ev_clock(t0, 0, t0 + 5000, &c);
	assert_int_equal(c.warning, 0);
	assert_int_equal(c.supervision, 0);
	assert_int_equal(c.next, 0);
	assert_int_equal(c.deadline_at, 0);
	ev_clock(t0, -10, t0, &c);
	assert_int_equal(c.next, 0);
}

static void test_phase_seconds(void **state)
{
	const struct ev_limits l = {{60, 600, 30}};
	const struct ev_limits tiny = {{1, 2, 3}};

	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_ACCEPT, 1), 3600);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_ACCEPT, 2), 1800);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_ACCEPT, 3), 900);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_HANDLE, 1), 36000);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_HANDLE, 2), 18000);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_HANDLE, 3), 9000);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_VERIFY, 1), 1800);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_VERIFY, 3), 450);
	assert_int_equal(ev_phase_seconds(&l, EV_PHASE_NONE, 1), 0);
	/* never below a minute */
	assert_int_equal(ev_phase_seconds(&tiny, EV_PHASE_ACCEPT, 3), 60);
	assert_int_equal(ev_phase_seconds(&tiny, EV_PHASE_HANDLE, 2), 60);
	assert_int_equal(ev_phase_seconds(&tiny, EV_PHASE_VERIFY, 3), 60);
	assert_int_equal(ev_phase_seconds(&tiny, EV_PHASE_VERIFY, 1), 180);
	/* the whole event */
	assert_int_equal(ev_total_seconds(&l, 1), 3600 + 36000 + 1800);
	assert_int_equal(ev_total_seconds(&l, 2), 1800 + 18000 + 900);
	assert_int_equal(ev_total_seconds(&l, 3), 900 + 9000 + 450);
	/* phases of statuses */
	assert_int_equal(ev_phase_of(EV_REPORTED), EV_PHASE_ACCEPT);
	assert_int_equal(ev_phase_of(EV_ESCALATED), EV_PHASE_ACCEPT);
	assert_int_equal(ev_phase_of(EV_REGISTERED), EV_PHASE_HANDLE);
	assert_int_equal(ev_phase_of(EV_DISPATCHED), EV_PHASE_HANDLE);
	assert_int_equal(ev_phase_of(EV_HANDLING), EV_PHASE_HANDLE);
	assert_int_equal(ev_phase_of(EV_VERIFYING), EV_PHASE_VERIFY);
	assert_int_equal(ev_phase_of(EV_VERIFIED), EV_PHASE_VERIFY);
	assert_int_equal(ev_phase_of(EV_CLOSED), EV_PHASE_NONE);
	assert_int_equal(ev_phase_of(EV_REJECTED), EV_PHASE_NONE);
	assert_int_equal(ev_phase_of(EV_MERGED), EV_PHASE_NONE);
}

/* ----------------------------------------------------------------- names */

static void test_names(void **state)
{
	for (int s = 0; s < EV_NSTATUS; s++) {
		assert_non_null(ev_status_name((enum ev_status)s));
		assert_non_null(ev_status_label((enum ev_status)s));
		assert_int_equal(ev_status_parse(ev_status_name((enum ev_status)s)), s);
	}
	for (int a = 0; a < EA_NACTION; a++) {
		assert_non_null(ev_action_name((enum ev_action)a));
		assert_non_null(ev_action_label((enum ev_action)a));
		assert_int_equal(ev_action_parse(ev_action_name((enum ev_action)a)), a);
	}
	assert_null(ev_status_name(EV_NSTATUS));
	assert_null(ev_action_name(EA_NACTION));
	assert_int_equal(ev_status_parse("nope"), -1);
	assert_int_equal(ev_status_parse(NULL), -1);
	assert_int_equal(ev_action_parse("Accept"), -1);
	assert_string_equal(ev_status_label(EV_REPORTED), "待受理");
	assert_string_equal(ev_action_label(EA_VERIFY_PASS), "核查通过");
	assert_string_equal(ev_loop_name(EX), "external");
	assert_string_equal(ev_loop_name(IN), "internal");
	assert_true(ev_status_open(EV_REPORTED));
	assert_true(ev_status_open(EV_VERIFIED));
	assert_false(ev_status_open(EV_CLOSED));
	assert_false(ev_status_open(EV_REJECTED));
	assert_false(ev_status_open(EV_MERGED));
	assert_false(ev_status_open(EV_NSTATUS));
	assert_int_equal(ev_urgency_parse("urgent"), 2);
	assert_int_equal(ev_urgency_parse("特急"), 3);
	assert_int_equal(ev_urgency_parse("high"), -1);
	assert_string_equal(ev_urgency_name(1), "normal");
	assert_string_equal(ev_urgency_label(2), "紧急");
	assert_string_equal(ev_urgency_name(9), "");
	assert_true(ev_source_ok("hotline"));
	assert_false(ev_source_ok("email"));
	assert_false(ev_source_ok(NULL));
	assert_string_equal(ev_source_label("resident"), "群众随手报");
}

/* Which roles may use which source (docs/events.md, "Sources"). */
static void test_intake_sources(void **state)
{
	static const struct {
		const char *source;
		unsigned roles;           /* exactly these single roles may */
	} want[] = {
		{"patrol", ROLE_GRID_WORKER | ROLE_GRID_LEADER | ROLE_STATION_HEAD | ROLE_COMMAND},
		{"wechat", ROLE_GRID_WORKER | ROLE_GRID_LEADER | ROLE_STATION_HEAD | ROLE_COMMAND},
		{"resident", ROLE_RESIDENT},
		{"hotline", ROLE_COMMAND | ROLE_ADMIN},
		{"assigned", ROLE_COMMAND | ROLE_LEADER | ROLE_DEPARTMENT},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		for (int b = 0; b < ROLE_COUNT; b++) {
			unsigned r = 1u << b;

			assert_int_equal(ev_source_allowed(r, want[i].source), (want[i].roles & r) != 0);
		}
	/* a set of roles: any of them */
	assert_true(ev_source_allowed(ROLE_RESIDENT | ROLE_GRID_WORKER, "patrol"));
	assert_false(ev_source_allowed(ROLE_ANY, "email"));
	assert_false(ev_source_allowed(ROLE_ANY, NULL));
	assert_false(ev_source_allowed(0, "resident"));
}

/* How far a grant reaches, role by role. */
static void test_intake_root(void **state)
{
	static const struct {
		unsigned role;
		const char *scope, *root;  /* NULL: reaches nowhere */
	} cases[] = {
		{ROLE_ADMIN, "440111", "440111"},
		{ROLE_COMMAND, "440111", "440111"},
		{ROLE_COMMAND, "440111002", "440111002"},
		{ROLE_LEADER, "440111002001", "440111002001"},
		/* grid staff: their community */
		{ROLE_STATION_HEAD, "440111002001", "440111002001"},
		{ROLE_GRID_LEADER, "44011100200101", "440111002001"},
		{ROLE_GRID_WORKER, "4401110020010101", "440111002001"},
		/* departments: the district of their code */
		{ROLE_DEPARTMENT, "440111-cg", "440111"},
		{ROLE_RESIDENT, "440111", "440111"},
		/* never bound there, or not a code */
		{ROLE_GRID_WORKER, "440111002", NULL},
		{ROLE_STATION_HEAD, "440111", NULL},
		{ROLE_ADMIN, "440111002", NULL},
		{ROLE_COMMAND, "440111002001", NULL},
		{ROLE_COMMAND, "440111-cg", NULL},
		{ROLE_DEPARTMENT, "440111", NULL},
		{ROLE_DEPARTMENT, "cg", NULL},
		{ROLE_DEPARTMENT, "-cg", NULL},
		{ROLE_DEPARTMENT, "440111002-cg", NULL},
		{ROLE_GRID_WORKER, "4401110020010101x", NULL},
		{ROLE_GRID_WORKER, "", NULL},
		{ROLE_GRID_WORKER, NULL, NULL},
		{ROLE_COMMAND | ROLE_ADMIN, "440111", NULL},   /* one role at a time */
		{0, "440111", NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[24] = "untouched";
		int rc = ev_intake_root(cases[i].role, cases[i].scope, out, sizeof(out));

		if (cases[i].root) {
			assert_int_equal(rc, 0);
			assert_string_equal(out, cases[i].root);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(out, "untouched");
		}
	}
	/* too small a buffer: refused, not truncated */
	{
		char out[8] = "x";

		assert_int_equal(ev_intake_root(ROLE_GRID_WORKER, "4401110020010101", out, sizeof(out)), -1);
		assert_string_equal(out, "x");
		assert_int_equal(ev_intake_root(ROLE_RESIDENT, "440111", out, sizeof(out)), 0);
	}
}

/* The reach, as the app applies it: a grid worker reports in a neighbour
 * grid of the community, not in the next community; a town dispatcher not
 * in another town. */
static void test_intake_reach(void **state)
{
	char root[24];

	(void)state;
	assert_int_equal(ev_intake_root(ROLE_GRID_WORKER, "4401110020010101", root, sizeof(root)), 0);
	assert_true(unit_code_under("4401110020010101", root));
	assert_true(unit_code_under("4401110020010102", root));
	assert_true(unit_code_under("4401110020010201", root));
	assert_false(unit_code_under("4401110020020101", root));
	assert_false(unit_code_under("4401110100010101", root));
	assert_int_equal(ev_intake_root(ROLE_COMMAND, "440111002", root, sizeof(root)), 0);
	assert_true(unit_code_under("4401110020990101", root));
	assert_false(unit_code_under("4401110100010101", root));
	assert_int_equal(ev_intake_root(ROLE_DEPARTMENT, "440111-cg", root, sizeof(root)), 0);
	assert_true(unit_code_under("4401110100010101", root));
	assert_false(unit_code_under("4401030010010101", root));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diagram),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_report_is_no_step),
		cmocka_unit_test(test_capacities),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_r1_reporter_handles),
		cmocka_unit_test(test_r2_handler_verifies),
		cmocka_unit_test(test_r3_verifier_grid),
		cmocka_unit_test(test_reason_required),
		cmocka_unit_test(test_other_inputs),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_rating),
		cmocka_unit_test(test_allowed_matches_decide),
		cmocka_unit_test(test_clock_marks),
		cmocka_unit_test(test_phase_seconds),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_intake_sources),
		cmocka_unit_test(test_intake_root),
		cmocka_unit_test(test_intake_reach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
