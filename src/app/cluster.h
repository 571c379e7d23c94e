/*
 * cluster.h - coordination between wangge instances that share a database.
 *
 * Notifications: cluster_publish() sends a message on a channel to every
 * instance (PostgreSQL NOTIFY, delivered by each instance's listener thread,
 * the sender's included); handlers registered with cluster_subscribe() run
 * on that thread. On SQLite (one instance per database file) a publish is
 * delivered to the local handlers at once.
 *
 * Leader: one instance at a time holds the leader lock (a PostgreSQL
 * advisory lock on a dedicated session; on SQLite a lock file) and runs the
 * periodic jobs registered with cluster_add_job(). When the leader dies its
 * session ends, the lock is freed, and another instance takes it within
 * about a second.
 */
#ifndef WG_CLUSTER_H
#define WG_CLUSTER_H

#include "lib/err.h"

struct cluster;
struct db;

typedef void (*cluster_handler)(void *ctx, const char *channel, const char *payload);
typedef void (*cluster_job)(void *ctx, struct db *db);

#define CLUSTER_LEADER_KEY 72480002        /* advisory lock key of the leader */

/* Create (not yet running). Register handlers and jobs, then start. */
struct cluster *cluster_new(const char *db_url);
int cluster_subscribe(struct cluster *c, const char *channel, cluster_handler fn, void *ctx);
/* fn runs every interval_ms on the leader only, with the leader's connection. */
int cluster_add_job(struct cluster *c, const char *name, unsigned interval_ms,
                    cluster_job fn, void *ctx);
/* Start the listener and leader threads (own connections to db_url). */
int cluster_start(struct cluster *c, struct err *e);
/* Publish on a channel using connection db (may be inside a transaction:
 * PostgreSQL then delivers at commit). */
int cluster_publish(struct cluster *c, struct db *db, const char *channel, const char *payload,
                    struct err *e);
int cluster_is_leader(struct cluster *c);
/* This instance's id: "<hostname>:<pid>:<random>". */
const char *cluster_instance(struct cluster *c);
/* Stop the threads, give up the leader lock, free. NULL is fine. */
void cluster_free(struct cluster *c);

#endif
