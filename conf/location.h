/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the per-location settings (httpd <Location>/<Directory>):
 * what to do with an unauthenticated request, which identity headers
 * go to the backend, and whether keygate checks the Authorization header
 * or leaves it to the backend.
 *
 * Each field has an "unset" value so httpd's merge can tell "inherit"
 * from "set"; kg_conf_location_merge makes the rule explicit per field,
 * and kg_conf_location_effective fills in the defaults.
 */
#ifndef KG_CONF_LOCATION_H
#define KG_CONF_LOCATION_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
	KG_UNAUTH_UNSET = 0,
	KG_UNAUTH_AUTO,	 /* login for a browser navigation, else 401 */
	KG_UNAUTH_LOGIN, /* always redirect to the identity provider */
	KG_UNAUTH_401,	 /* always 401 with WWW-Authenticate: Bearer */
	KG_UNAUTH_PASS	 /* let it through as Anonymous */
} kg_unauth_action;

/* Which user field an identity header carries. */
typedef enum {
	KG_HDR_USERNAME,
	KG_HDR_EMAIL,
	KG_HDR_NAME,
	KG_HDR_ROLES,
	KG_HDR_ORGANIZATIONS,
	KG_HDR_IDPBROKER, /* the provider alias of the session's login */
	KG_HDR_USER_ID,	  /* the stable user id (idp_id) */
	KG_HDR_ATTRIBUTE
} kg_header_source;

typedef struct {
	const char *name; /* the header, e.g. "domino-email" */
	kg_header_source source;
	const char *attribute; /* KG_HDR_ATTRIBUTE: the user attribute */
} kg_identity_header;

typedef enum { KG_FLAG_UNSET = 0, KG_FLAG_OFF, KG_FLAG_ON } kg_flag;

typedef struct {
	kg_unauth_action unauth;
	apr_array_header_t *headers; /* kg_identity_header; NULL: unset */
	kg_flag app_jwt;	     /* send a gateway-signed app token */
	kg_flag bearer_check;	     /* read Authorization: Bearer (ON when
					unset); OFF: the backend checks it */
} kg_conf_location;

/* A location with every field unset, in pool. */
kg_conf_location *kg_conf_location_make(apr_pool_t *pool);

/* add's set fields override base's (headers replace as a whole). */
kg_conf_location *kg_conf_location_merge(apr_pool_t *pool,
					 const kg_conf_location *base,
					 const kg_conf_location *add);

/* The unauthenticated action in effect (AUTO when unset). */
kg_unauth_action kg_conf_location_unauth(const kg_conf_location *loc);

/* Whether keygate reads the Authorization header (KeygateBearerCheck,
 * on when unset). */
bool kg_conf_location_bearer_check(const kg_conf_location *loc);

/* A per-location directive: same contract as kg_directive_fn. */
typedef struct kg_loc_directive kg_loc_directive;
struct kg_loc_directive {
	const char *name;
	int min_args, max_args;
	const char *(*set)(apr_pool_t *pool, kg_conf_location *loc, int argc,
			   const char *const *argv, int *bad_arg);
	const char *syntax;
	const char *help;
};

/* The per-location directives, NULL-name terminated. */
extern const kg_loc_directive kg_conf_location_directives[];

#endif
