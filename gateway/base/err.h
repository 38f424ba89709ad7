/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: result codes and the fixed-size error record.
 *
 * Actions return kg_rc; predicates return bool. "Not found" is never
 * "backend down". The error record never allocates, so the error path
 * cannot fail.
 */
#ifndef KG_ERR_H
#define KG_ERR_H

#include <stdarg.h>
#include <stdbool.h>

typedef enum {
	KG_OK = 0,
	KG_ENOTFOUND, /* the thing asked for does not exist */
	KG_EINVAL,    /* bad input from a user or a peer */
	KG_ECONFIG,   /* bad configuration */
	KG_EAUTH,     /* bad assertion, token or signature */
	KG_EDENIED,   /* policy said no */
	KG_EBACKEND,  /* Redis, IdP or STS unreachable: fail closed */
	KG_EINTERNAL  /* a bug or out of memory */
} kg_rc;

#define KG_ERR_MSG_MAX 512

/* The first error wins: later kg_err_set calls on a set record are ignored,
 * so the root cause survives the unwinding. */
typedef struct {
	kg_rc rc;
	char msg[KG_ERR_MSG_MAX];
} kg_err;

/* Returns the stable lower-case name of rc ("ok", "einval", ...). */
const char *kg_rc_name(kg_rc rc);

/* Records rc and a formatted message unless err already holds an error;
 * returns rc so callers can write `return kg_err_set(...)`. err may be
 * NULL. */
kg_rc kg_err_set(kg_err *err, kg_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears err to KG_OK with an empty message. */
void kg_err_clear(kg_err *err);

#endif
