/*
 * audit.h - recording what people do, for the audit log (store/store_audit.h).
 *
 * audit_record() fills the actor from the principal (or "-" for anonymous
 * callers) and appends one row. Call it inside the transaction of the change
 * it records when there is one, so both commit together; a failure to audit
 * a change fails the change. Denials and failed log-ins are recorded in a
 * transaction of their own (audit_record_alone) and a failure there is only
 * logged: a broken audit table must not turn every 403 into a 500.
 */
#ifndef WG_AUDIT_H
#define WG_AUDIT_H

#include "app/auth.h"
#include "store/db.h"

/* Standard actions */
#define AUDIT_LOGIN "auth.login"
#define AUDIT_LOGIN_FAILED "auth.login_failed"
#define AUDIT_LOGOUT "auth.logout"
#define AUDIT_LOGOUT_ALL "auth.logout_all"
#define AUDIT_PASSWORD "auth.password"
#define AUDIT_TOKEN_CREATE "auth.token_create"
#define AUDIT_TOKEN_REVOKE "auth.token_revoke"
#define AUDIT_DENIED "access.denied"
#define AUDIT_USER_ADD "user.add"
#define AUDIT_USER_DISABLE "user.disable"
#define AUDIT_USER_ENABLE "user.enable"
#define AUDIT_USER_RESET "user.reset_password"
#define AUDIT_USER_GRANT "user.grant"
#define AUDIT_USER_REVOKE "user.revoke"
#define AUDIT_PII_READ "pii.read"
#define AUDIT_CONFIG "config.change"
#define AUDIT_ORG_IMPORT "org.import"
#define AUDIT_ORG_DEMO "org.demo"
#define AUDIT_MIGRATE "db.migrate_copy"
#define AUDIT_DISPLAY_CREATE "display.create"      /* wall displays (app/displays.h) */
#define AUDIT_DISPLAY_PAIRING "display.pairing"
#define AUDIT_DISPLAY_PAIR "display.pair"
#define AUDIT_DISPLAY_PAIR_FAILED "display.pair_failed"
#define AUDIT_DISPLAY_REVOKE "display.revoke"

int audit_record(struct db *db, const struct principal *p, const char *action, const char *target,
                 const char *ip, const char *result, const char *detail, struct err *e);
/* The same in a transaction of its own; errors are logged, not returned. */
void audit_record_alone(struct db *db, const struct principal *p, const char *actor,
                        const char *action, const char *target, const char *ip,
                        const char *result, const char *detail);

#endif
