/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the identity the backend sees.
 */
#include "gateway/flow/authn/identity.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

/* A header name folded for comparison: lower case, '_' as '-'. */
static char *fold_name(apr_pool_t *pool, const char *name)
{
	char *f = apr_pstrdup(pool, name);

	for (char *c = f; *c; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
		else if (*c == '_')
			*c = '-';
	}
	return f;
}

typedef struct {
	apr_pool_t *pool;
	apr_array_header_t *protected_names; /* folded */
	apr_array_header_t *doomed;	     /* names as the client sent them */
} scrub_ctx;

static int collect_doomed(void *data, const char *key, const char *value)
{
	scrub_ctx *s = data;
	const char *folded = fold_name(s->pool, key);

	if (kg_values_contain(s->protected_names, folded))
		APR_ARRAY_PUSH(s->doomed, const char *) = key;
	return 1;
}

int kg_identity_scrub(apr_pool_t *pool, apr_table_t *headers,
		      const kg_conf_location *loc)
{
	scrub_ctx s = {.pool = pool};

	s.protected_names = apr_array_make(pool, 4, sizeof(const char *));
	s.doomed = apr_array_make(pool, 2, sizeof(const char *));
	APR_ARRAY_PUSH(s.protected_names, const char *) = KG_USERNAME_HEADER;
	for (int i = 0; loc->headers && i < loc->headers->nelts; i++)
		APR_ARRAY_PUSH(s.protected_names, const char *) = fold_name(
			pool, APR_ARRAY_IDX(loc->headers, i, kg_identity_header)
				      .name);
	apr_table_do(collect_doomed, &s, headers, NULL);
	for (int i = 0; i < s.doomed->nelts; i++)
		apr_table_unset(headers,
				APR_ARRAY_IDX(s.doomed, i, const char *));
	return s.doomed->nelts;
}

typedef struct {
	apr_pool_t *pool;
	const kg_conf_location *loc;
	kg_buf kept, removed;
} connection_filter;

/* True when the folded token names a header keygate sets. */
static bool keygate_sets(apr_pool_t *pool, const kg_conf_location *loc,
			 const char *folded)
{
	if (strcmp(folded, KG_USERNAME_HEADER) == 0 ||
	    strcmp(folded, "authorization") == 0)
		return true;
	for (int i = 0; loc->headers && i < loc->headers->nelts; i++) {
		const char *name =
			APR_ARRAY_IDX(loc->headers, i, kg_identity_header).name;
		if (strcmp(folded, fold_name(pool, name)) == 0)
			return true;
	}
	return false;
}

/* Sorts the tokens of one Connection header into kept and removed. */
static int filter_connection(void *data, const char *key, const char *value)
{
	connection_filter *f = data;
	const char *p = value;

	while (*p) {
		size_t n;
		kg_buf *into;
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		into = keygate_sets(f->pool, f->loc,
				    fold_name(f->pool,
					      apr_pstrmemdup(f->pool, p, n)))
			       ? &f->removed
			       : &f->kept;
		if (into->len > 0)
			kg_buf_adds(into, into == &f->kept ? ", " : ",");
		kg_buf_add(into, p, n);
		p += n;
	}
	return 1;
}

const char *kg_identity_guard_connection(apr_pool_t *pool, apr_table_t *headers,
					 const kg_conf_location *loc)
{
	connection_filter f = {.pool = pool, .loc = loc};

	if (apr_table_get(headers, "Connection") == NULL)
		return NULL;
	kg_buf_init(&f.kept, pool, 64);
	kg_buf_init(&f.removed, pool, 32);
	apr_table_do(filter_connection, &f, headers, "Connection", NULL);
	if (f.removed.len == 0)
		return NULL;
	if (f.kept.len > 0)
		apr_table_setn(headers, "Connection", f.kept.data);
	else
		apr_table_unset(headers, "Connection");
	return f.removed.data;
}

const char *kg_identity_encode(apr_pool_t *pool, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	kg_buf b;

	kg_buf_init(&b, pool, strlen(value) + 1);
	for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
		if (*c < 0x20 || *c >= 0x7f || *c == '%' || *c == ',') {
			kg_buf_addc(&b, '%');
			kg_buf_addc(&b, hex[*c >> 4]);
			kg_buf_addc(&b, hex[*c & 0xf]);
		} else {
			kg_buf_addc(&b, (char)*c);
		}
	}
	return b.data;
}

/* Joins a list of values, each encoded, with ','. */
static const char *encode_list(apr_pool_t *pool,
			       const apr_array_header_t *values)
{
	kg_buf b;

	kg_buf_init(&b, pool, 64);
	for (int i = 0; values && i < values->nelts; i++) {
		if (i > 0)
			kg_buf_addc(&b, ',');
		kg_buf_adds(&b, kg_identity_encode(
					pool, APR_ARRAY_IDX(values, i,
							    const char *)));
	}
	return b.data;
}

static const char *header_value(apr_pool_t *pool, const kg_user *u,
				const char *idp, const kg_identity_header *h)
{
	switch (h->source) {
	case KG_HDR_IDPBROKER:
		return idp ? kg_identity_encode(pool, idp) : "";
	case KG_HDR_USER_ID:
		return u->id ? kg_identity_encode(pool, u->id) : "";
	case KG_HDR_USERNAME:
		return u->username ? kg_identity_encode(pool, u->username) : "";
	case KG_HDR_EMAIL:
		return u->email ? kg_identity_encode(pool, u->email) : "";
	case KG_HDR_NAME:
		return kg_identity_encode(
			pool,
			apr_pstrcat(pool, u->first_name ? u->first_name : "",
				    u->first_name && u->last_name ? " " : "",
				    u->last_name ? u->last_name : "", NULL));
	case KG_HDR_ROLES:
		return encode_list(pool, u->roles);
	case KG_HDR_ORGANIZATIONS:
		return encode_list(pool, u->organizations);
	case KG_HDR_ATTRIBUTE:
		return encode_list(pool,
				   kg_bag_get(u->attributes, h->attribute));
	}
	return "";
}

void kg_identity_set(apr_pool_t *pool, apr_table_t *out, const kg_user *user,
		     const char *idp, const kg_conf_location *loc)
{
	apr_table_setn(out, KG_USERNAME_HEADER,
		       user && user->username
			       ? kg_identity_encode(pool, user->username)
			       : KG_ANONYMOUS);
	if (user == NULL)
		return;
	for (int i = 0; loc->headers && i < loc->headers->nelts; i++) {
		const kg_identity_header *h =
			&APR_ARRAY_IDX(loc->headers, i, kg_identity_header);
		apr_table_setn(out, h->name, header_value(pool, user, idp, h));
	}
}

typedef struct {
	const char *session_cookie;
	kg_buf kept;
} cookie_filter;

/* Keeps the cookies of one Cookie header that are not keygate's. */
static int filter_cookie_header(void *data, const char *key, const char *value)
{
	cookie_filter *f = data;
	size_t own = strlen(f->session_cookie);
	const char *p = value;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n > 0 &&
		    !(n > own && strncmp(p, f->session_cookie, own) == 0 &&
		      p[own] == '=') &&
		    strncmp(p, "keygate_login_", 14) != 0) {
			if (f->kept.len > 0)
				kg_buf_adds(&f->kept, "; ");
			kg_buf_add(&f->kept, p, n);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 1;
}

void kg_identity_strip_cookies(apr_pool_t *pool, apr_table_t *headers,
			       const char *session_cookie)
{
	cookie_filter f = {.session_cookie = session_cookie};

	if (apr_table_get(headers, "Cookie") == NULL)
		return;
	kg_buf_init(&f.kept, pool, 128);
	apr_table_do(filter_cookie_header, &f, headers, "Cookie", NULL);
	if (f.kept.len > 0)
		apr_table_setn(headers, "Cookie", f.kept.data);
	else
		apr_table_unset(headers, "Cookie");
}
