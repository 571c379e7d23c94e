/*
 * audit.c - recording actions in the audit log (see audit.h).
 */
#include <string.h>
#include "app/audit.h"
#include "domain/role.h"
#include "lib/log.h"
#include "store/store_audit.h"
#include "lib/banned.h"

static void fill(struct audit_entry *a, const struct principal *p, const char *actor,
                 const char *action, const char *target, const char *ip, const char *result,
                 const char *detail)
{
	memset(a, 0, sizeof(*a));
	a->account_id = p ? p->account_id : 0;
	a->actor = p ? p->username : actor ? actor : "-";
	if (p && p->ngrants > 0) {
		a->role = role_name(p->grants[0].role);
		a->scope_code = p->grants[0].scope;
	}
	a->action = action;
	a->target = target;
	a->ip = ip;
	a->result = result;
	a->detail = detail;
}

int audit_record(struct db *db, const struct principal *p, const char *action, const char *target,
                 const char *ip, const char *result, const char *detail, struct err *e)
{
	struct audit_entry a;
	fill(&a, p, NULL, action, target, ip, result, detail);
	return store_audit_append(db, &a, e);
}

void audit_record_alone(struct db *db, const struct principal *p, const char *actor,
                        const char *action, const char *target, const char *ip,
                        const char *result, const char *detail)
{
	struct audit_entry a;
	struct err e = ERR_INIT;

	fill(&a, p, actor, action, target, ip, result, detail);
	if (store_audit_append(db, &a, &e) < 0)
		log_warn("audit: cannot record %s by %s: %s", action, a.actor, e.msg_en);
}
