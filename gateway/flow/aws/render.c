/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS credentials as files, credential_process JSON and status.
 */
#include "gateway/flow/aws/render.h"
#include "gateway/base/time.h"

#include <apr_strings.h>
#include <string.h>

#define PROFILE_CHARS                                                          \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@+-"

static const kg_aws_role_creds *role_at(const kg_aws_set *set, int i)
{
	return &APR_ARRAY_IDX(set->roles, i, kg_aws_role_creds);
}

static bool usable(const kg_aws_role_creds *r, long long now_s)
{
	return r->ok && r->creds.expiration_s > now_s;
}

/* The role's name (after the last '/') with foreign bytes made '-'. */
static char *role_name(apr_pool_t *pool, const char *arn)
{
	const char *slash = strrchr(arn, '/');
	char *name = apr_pstrdup(pool, slash && slash[1] ? slash + 1 : arn);

	for (char *p = name; *p; p++)
		if (!strchr(PROFILE_CHARS, *p))
			*p = '-';
	return name;
}

/* The account field of an ARN (arn:PARTITION:iam::ACCOUNT:role/...). */
static const char *account(apr_pool_t *pool, const char *arn)
{
	const char *p = arn;

	for (int colons = 0; colons < 4 && p; colons++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	return p ? apr_pstrndup(pool, p, strcspn(p, ":")) : "";
}

static int count_named(apr_array_header_t *names, int upto, const char *n)
{
	int count = 0;

	for (int i = 0; i < upto; i++)
		count += strcmp(APR_ARRAY_IDX(names, i, const char *), n) == 0;
	return count;
}

apr_array_header_t *kg_aws_profiles(apr_pool_t *pool, const kg_aws_set *set)
{
	int n = set->roles->nelts;
	apr_array_header_t *base = apr_array_make(pool, n, sizeof(char *));
	apr_array_header_t *out = apr_array_make(pool, n, sizeof(char *));

	for (int i = 0; i < n; i++)
		APR_ARRAY_PUSH(base, const char *) =
			role_name(pool, role_at(set, i)->role_arn);
	for (int i = 0; i < n; i++) {
		const char *name = APR_ARRAY_IDX(base, i, const char *);
		const char *acct = account(pool, role_at(set, i)->role_arn);
		bool shared = false;
		for (int j = 0; j < n && !shared; j++)
			shared =
				j != i &&
				strcmp(APR_ARRAY_IDX(base, j, const char *),
				       name) == 0 &&
				strcmp(account(pool, role_at(set, j)->role_arn),
				       acct) != 0;
		if (shared && *acct)
			name = apr_pstrcat(pool, name, "-",
					   role_name(pool, acct), NULL);
		if (count_named(out, i, name) > 0 ||
		    strcmp(name, "default") == 0)
			for (int k = 2;; k++) {
				const char *t =
					kg_psprintf(pool, "%s-%d", name, k);
				if (count_named(out, i, t) == 0) {
					name = t;
					break;
				}
			}
		APR_ARRAY_PUSH(out, const char *) = name;
	}
	return out;
}

int kg_aws_default_role(const kg_aws_set *set, const apr_array_header_t *names,
			const char *preferred, long long now_s)
{
	int first = -1;

	for (int i = 0; i < set->roles->nelts; i++) {
		if (!usable(role_at(set, i), now_s))
			continue;
		if (first < 0)
			first = i;
		if (preferred && strcmp(APR_ARRAY_IDX(names, i, const char *),
					preferred) == 0)
			return i;
	}
	return first;
}

static void add_profile(kg_buf *b, const char *name, const kg_aws_role_creds *r)
{
	kg_buf_addf(b,
		    "\n[%s]\naws_access_key_id = %s\naws_secret_access_key = "
		    "%s\naws_session_token = %s\n",
		    name, r->creds.keys.access_key, r->creds.keys.secret_key,
		    r->creds.keys.session_token);
}

const char *kg_aws_render_file(apr_pool_t *pool, const kg_aws_set *set,
			       const char *preferred, long long now_s)
{
	apr_array_header_t *names = kg_aws_profiles(pool, set);
	int def = kg_aws_default_role(set, names, preferred, now_s);
	kg_buf b;

	if (def < 0)
		return NULL;
	kg_buf_init(&b, pool, 4096);
	kg_buf_adds(&b, "# AWS credentials from keygate; rewritten on every "
			"refresh: do not edit\n");
	add_profile(&b, "default", role_at(set, def));
	for (int i = 0; i < set->roles->nelts; i++)
		if (usable(role_at(set, i), now_s))
			add_profile(&b, APR_ARRAY_IDX(names, i, const char *),
				    role_at(set, i));
	return b.data;
}

const char *kg_aws_render_process(apr_pool_t *pool, const kg_aws_set *set,
				  const char *profile, const char *preferred,
				  long long now_s)
{
	apr_array_header_t *names = kg_aws_profiles(pool, set);
	int at = -1;
	const kg_aws_role_creds *r;
	char exp[KG_TIME_UTC_LEN + 1];
	kg_buf b;

	if (profile == NULL || strcmp(profile, "default") == 0)
		at = kg_aws_default_role(set, names, preferred, now_s);
	for (int i = 0; at < 0 && profile && i < names->nelts; i++)
		if (strcmp(APR_ARRAY_IDX(names, i, const char *), profile) ==
			    0 &&
		    usable(role_at(set, i), now_s))
			at = i;
	if (at < 0)
		return NULL;
	r = role_at(set, at);
	kg_time_format_utc(r->creds.expiration_s, exp);
	kg_buf_init(&b, pool, 4096);
	kg_buf_adds(&b, "{\"Version\":1,\"AccessKeyId\":");
	kg_buf_add_json_string(&b, r->creds.keys.access_key);
	kg_buf_adds(&b, ",\"SecretAccessKey\":");
	kg_buf_add_json_string(&b, r->creds.keys.secret_key);
	kg_buf_adds(&b, ",\"SessionToken\":");
	kg_buf_add_json_string(&b, r->creds.keys.session_token);
	kg_buf_addf(&b, ",\"Expiration\":\"%s\"}\n", exp);
	return b.data;
}

void kg_aws_render_status(kg_buf *b, const kg_aws_set *set, long long now_s)
{
	apr_array_header_t *names = kg_aws_profiles(b->pool, set);

	kg_buf_addc(b, '[');
	for (int i = 0; i < set->roles->nelts; i++) {
		const kg_aws_role_creds *r = role_at(set, i);
		char exp[KG_TIME_UTC_LEN + 1];
		kg_buf_adds(b, i ? ",{\"profile\":" : "{\"profile\":");
		kg_buf_add_json_string(b,
				       APR_ARRAY_IDX(names, i, const char *));
		kg_buf_adds(b, ",\"role\":");
		kg_buf_add_json_string(b, r->role_arn);
		kg_buf_addf(b, ",\"status\":\"%s\"",
			    !r->ok	       ? "failed"
			    : usable(r, now_s) ? "ok"
					       : "expired");
		if (r->ok) {
			kg_time_format_utc(r->creds.expiration_s, exp);
			kg_buf_addf(b, ",\"expires\":\"%s\"", exp);
		}
		if (r->error) {
			kg_buf_adds(b, ",\"error\":");
			kg_buf_add_json_string(b, r->error);
		}
		kg_buf_addc(b, '}');
	}
	kg_buf_addc(b, ']');
}
