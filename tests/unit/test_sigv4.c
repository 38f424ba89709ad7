/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: AWS Signature Version 4 (gateway/proto/aws/sigv4.c).
 *
 * Runs every case of AWS's SigV4 test suite as copied to
 * shared/vectors/sigv4 (sts.md §3): each case's .req is signed and the
 * canonical request, string to sign, Authorization value and signed
 * request are compared with its .creq, .sts, .authz and .sreq. The one
 * known-wrong file, the .sreq of get-vanilla-with-session-token (its
 * signature is not the one its own .authz holds), is reported as a SKIP
 * line. The vectors live outside the repository: $KEYGATE_SHARED/vectors
 * /sigv4, else ../shared/vectors/sigv4 beside the clone (found from the
 * working directory or from this binary's own path). A missing suite is
 * a failure, never a silent pass.
 */
#include "tests/unit/fixture.h"

#include "gateway/base/str.h"
#include "gateway/proto/aws/sigv4.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VEC_ACCESS_KEY "AKIDEXAMPLE"
#define VEC_SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define VEC_REGION "us-east-1"
#define VEC_SERVICE "service"
#define BAD_SREQ_CASE "get-vanilla-with-session-token"
#define MIN_CASES 20

typedef struct {
	char *dir;  /* the case's directory */
	char *name; /* its last path component: files are NAME.ext */
} vec_case;

typedef struct {
	apr_pool_t *pool;
	const vec_case *vc;
} vec_state;

static vec_case cases[128];
static size_t n_cases;
static char vec_root[PATH_MAX + 64];

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Finds the suite: $KEYGATE_SHARED, then ../shared from the working
 * directory and from the repository root above this binary
 * (BUILD/tests/unit/test_sigv4). */
static bool find_vectors(void)
{
	const char *env = getenv("KEYGATE_SHARED");
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n;

	if (env && *env) {
		snprintf(cand, sizeof(cand), "%s/vectors/sigv4", env);
		if (is_dir(cand))
			goto found;
	}
	snprintf(cand, sizeof(cand), "../shared/vectors/sigv4");
	if (is_dir(cand))
		goto found;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		/* climb: test_sigv4, unit, tests, BUILD-leaf, build, root */
		for (int up = 0; up < 6; up++) {
			char *slash = strrchr(exe, '/');

			if (slash == NULL)
				break;
			*slash = '\0';
			snprintf(cand, sizeof(cand),
				 "%s/../shared/vectors/sigv4", exe);
			if (is_dir(cand))
				goto found;
		}
	}
	return false;
found:
	if (realpath(cand, vec_root) == NULL)
		snprintf(vec_root, sizeof(vec_root), "%s", cand);
	return true;
}

static int case_cmp(const void *a, const void *b)
{
	return strcmp(((const vec_case *)a)->dir, ((const vec_case *)b)->dir);
}

/* Collects every directory under dir that holds NAME/NAME.req. */
static void collect(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char sub[PATH_MAX], req[PATH_MAX * 2];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (!is_dir(sub))
			continue;
		snprintf(req, sizeof(req), "%s/%s.req", sub, e->d_name);
		if (stat(req, &st) == 0 &&
		    n_cases < sizeof(cases) / sizeof(*cases)) {
			cases[n_cases].dir = strdup(sub);
			cases[n_cases].name = strdup(e->d_name);
			n_cases++;
		}
		collect(sub);
	}
	closedir(d);
}

/* The whole of a case file, or NULL when it does not exist. */
static char *slurp(apr_pool_t *pool, const vec_case *vc, const char *ext)
{
	char *path = kg_psprintf(pool, "%s/%s.%s", vc->dir, vc->name, ext);
	FILE *f = fopen(path, "rb");
	kg_buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	kg_buf_init(&b, pool, 4096);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kg_buf_add(&b, chunk, n);
	fclose(f);
	return b.data;
}

typedef struct {
	const char *method, *path, *query;
	apr_array_header_t *headers; /* kg_sigv4_header */
	const char *head;	     /* request line and header lines */
	const char *body;
	size_t body_len;
} parsed_req;

/* Parses a suite .req: "METHOD URI HTTP/1.1", "Name:value" lines (a line
 * starting with blanks continues the previous value), a blank line and
 * the body. A trailing newline without a body is tolerated (sts.md §3). */
static void parse_req(apr_pool_t *pool, const char *text, parsed_req *r)
{
	const char *p = text, *eol, *sp1, *sp2, *q;
	kg_buf head;

	memset(r, 0, sizeof(*r));
	r->headers = apr_array_make(pool, 8, sizeof(kg_sigv4_header));
	kg_buf_init(&head, pool, 256);
	eol = strchr(p, '\n');
	if (eol == NULL)
		eol = p + strlen(p);
	kg_buf_add(&head, p, (size_t)(eol - p));
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	assert_non_null(sp1);
	sp2 = eol;
	while (sp2 > sp1 && *sp2 != ' ')
		sp2--;
	assert_true(sp2 > sp1);
	r->method = apr_pstrmemdup(pool, p, (size_t)(sp1 - p));
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	r->path = apr_pstrmemdup(pool, sp1 + 1,
				 (size_t)((q ? q : sp2) - sp1 - 1));
	r->query =
		q ? apr_pstrmemdup(pool, q + 1, (size_t)(sp2 - q - 1)) : NULL;
	p = *eol ? eol + 1 : eol;
	while (*p && *p != '\n') {
		const char *colon;
		kg_sigv4_header *h;

		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		kg_buf_addc(&head, '\n');
		kg_buf_add(&head, p, (size_t)(eol - p));
		if ((*p == ' ' || *p == '\t') && r->headers->nelts > 0) {
			h = &APR_ARRAY_IDX(r->headers, r->headers->nelts - 1,
					   kg_sigv4_header);
			h->value = apr_pstrcat(
				pool, h->value, " ",
				apr_pstrmemdup(pool, p, (size_t)(eol - p)),
				NULL);
		} else {
			colon = memchr(p, ':', (size_t)(eol - p));
			assert_non_null(colon);
			h = apr_array_push(r->headers);
			h->name = apr_pstrmemdup(pool, p, (size_t)(colon - p));
			h->value = apr_pstrmemdup(pool, colon + 1,
						  (size_t)(eol - colon - 1));
		}
		p = *eol ? eol + 1 : eol;
	}
	r->head = head.data;
	r->body = *p == '\n' ? p + 1 : "";
	r->body_len = strlen(r->body);
}

/* The value of the "x-amz-security-token:" line of a canonical request,
 * or NULL: the token a case expects the signer to take from the
 * credentials when its .req does not carry it. */
static const char *creq_token(apr_pool_t *pool, const char *creq)
{
	const char *t = strstr(creq, "\nx-amz-security-token:");
	const char *e;

	if (t == NULL)
		return NULL;
	t += strlen("\nx-amz-security-token:");
	e = strchr(t, '\n');
	return apr_pstrmemdup(pool, t, e ? (size_t)(e - t) : strlen(t));
}

/* post-sts-header-after adds the session token after signing (its
 * parent's readme.txt): the token is the readme's last line. */
static const char *token_added_after(apr_pool_t *pool, const vec_case *vc)
{
	char *path;
	FILE *f;
	char line[4096], last[4096] = "";

	if (strstr(vc->name, "-header-after") == NULL)
		return NULL;
	path = kg_psprintf(pool, "%s/../readme.txt", vc->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (line[strspn(line, " \r\n")] != '\0')
			snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	last[strcspn(last, "\r\n")] = '\0';
	assert_true(strlen(last) > 100);
	return apr_pstrdup(pool, last);
}

static int vec_setup(void **state)
{
	vec_state *s = malloc(sizeof(*s));

	if (s == NULL || apr_pool_create(&s->pool, NULL) != APR_SUCCESS)
		return -1;
	s->vc = *state;
	*state = s;
	return 0;
}

static int vec_teardown(void **state)
{
	vec_state *s = *state;

	apr_pool_destroy(s->pool);
	free(s);
	return 0;
}

/* Signs one case and compares every expected file it has. */
static void test_vector(void **state)
{
	vec_state *s = *state;
	apr_pool_t *pool = s->pool;
	const vec_case *vc = s->vc;
	const char *req_text = slurp(pool, vc, "req");
	const char *creq = slurp(pool, vc, "creq");
	const char *sts = slurp(pool, vc, "sts");
	const char *authz = slurp(pool, vc, "authz");
	const char *sreq = slurp(pool, vc, "sreq");
	kg_aws_creds creds = {VEC_ACCESS_KEY, VEC_SECRET_KEY, NULL};
	kg_sigv4_req req = {0};
	kg_sigv4_out out;
	parsed_req r;
	kg_err err = {0};
	kg_buf signed_req;
	const char *after;

	assert_non_null(req_text);
	assert_non_null(creq);
	assert_non_null(sts);
	assert_non_null(authz);
	assert_non_null(sreq);
	parse_req(pool, req_text, &r);
	/* a token in the canonical request but not in the request comes
	 * from the credentials */
	if (strstr(req_text, "X-Amz-Security-Token") == NULL)
		creds.session_token = creq_token(pool, creq);
	req.method = r.method;
	req.path = r.path;
	req.query = r.query;
	req.headers = (const kg_sigv4_header *)r.headers->elts;
	req.n_headers = (size_t)r.headers->nelts;
	req.body = r.body;
	req.body_len = r.body_len;
	req.region = VEC_REGION;
	req.service = VEC_SERVICE;
	req.time_s = 0; /* every case carries X-Amz-Date */
	assert_int_equal(kg_sigv4_sign(pool, &req, &creds, &out, &err), KG_OK);
	assert_null(out.add_amz_date);
	assert_string_equal(out.canonical_request, creq);
	assert_string_equal(out.string_to_sign, sts);
	assert_string_equal(out.authorization, authz);

	if (strcmp(vc->name, BAD_SREQ_CASE) == 0)
		return; /* its .sreq is reported as a SKIP line by main */
	kg_buf_init(&signed_req, pool, 1024);
	kg_buf_adds(&signed_req, r.head);
	if (out.add_security_token)
		kg_buf_addf(&signed_req, "\nX-Amz-Security-Token:%s",
			    out.add_security_token);
	after = token_added_after(pool, vc);
	if (after)
		kg_buf_addf(&signed_req, "\nX-Amz-Security-Token:%s", after);
	kg_buf_addf(&signed_req, "\nAuthorization: %s", out.authorization);
	if (r.body_len) {
		kg_buf_adds(&signed_req, "\n\n");
		kg_buf_add(&signed_req, r.body, r.body_len);
	}
	assert_string_equal(signed_req.data, sreq);
}

/* Fails with where the suite was looked for. */
static void test_vectors_found(void **state)
{
	if (n_cases < MIN_CASES)
		fail_msg("the SigV4 suite was not found or is incomplete "
			 "(%zu cases; set KEYGATE_SHARED or put shared/ "
			 "beside the clone); looked in $KEYGATE_SHARED/"
			 "vectors/sigv4 and ../shared/vectors/sigv4",
			 n_cases);
}

/* sts.md §2.3: an STS AssumeRole refresh signed with temporary
 * credentials, cross-checked there against two botocore versions. The
 * signer adds X-Amz-Date and X-Amz-Security-Token itself. */
static void test_sts_worked_example(void **state)
{
	apr_pool_t *pool = *state;
	static const char body[] =
		"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam"
		"%3A%3A123456789012%3Arole%2FExampleRole&RoleSessionName="
		"alice%40example.com&DurationSeconds=3600";
	kg_sigv4_header h[] = {
		{"Host", "sts.us-west-2.amazonaws.com"},
		{"Content-Type",
		 "application/x-www-form-urlencoded; charset=utf-8"},
		{"User-Agent", "keygate"}, /* never signed */
	};
	kg_aws_creds creds = {"ASIAIOSFODNN7EXAMPLE",
			      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			      "IQoJb3JpZ2luX2VjEXAMPLETOKEN/+="};
	kg_sigv4_req req = {
		"POST",		  "/",	       NULL,  h,	   3, body,
		sizeof(body) - 1, "us-west-2", "sts", 1736942400LL};
	kg_sigv4_out out;
	kg_err err = {0};

	assert_int_equal(sizeof(body) - 1, 156);
	assert_int_equal(kg_sigv4_sign(pool, &req, &creds, &out, &err), KG_OK);
	assert_string_equal(out.add_amz_date, "20250115T120000Z");
	assert_string_equal(out.add_security_token,
			    "IQoJb3JpZ2luX2VjEXAMPLETOKEN/+=");
	assert_string_equal(
		out.signed_headers,
		"content-type;host;x-amz-date;x-amz-security-token");
	assert_string_equal(out.signature, "55541fe36fecb5eda27ca52eafad7bdaa7"
					   "26aaf0032536a8f6a933ed6130e523");
	assert_string_equal(
		out.authorization,
		"AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20250115/"
		"us-west-2/sts/aws4_request, SignedHeaders=content-type;host;"
		"x-amz-date;x-amz-security-token, Signature=55541fe36fecb5eda2"
		"7ca52eafad7bdaa726aaf0032536a8f6a933ed6130e523");
}

static void test_paths_queries_and_headers_canonicalise(void **state)
{
	apr_pool_t *pool = *state;
	kg_sigv4_header h[] = {
		{"Host", "example.amazonaws.com"},
		{"X-B", "  two   words\there "},
		{"x-a", "1"},
		{"X-A", " 2 "},
		{"Expect", "100-continue"},
	};
	kg_aws_creds creds = {"AKID", "secret", NULL};
	kg_sigv4_req req = {"GET",
			    "/a/./b//../c%20d/~e/",
			    "b=2&a=&a=1&c&%7e=x+y",
			    h,
			    5,
			    NULL,
			    0,
			    "eu-west-1",
			    "svc",
			    0};
	kg_sigv4_out out;
	kg_err err = {0};

	assert_int_equal(kg_sigv4_sign(pool, &req, &creds, &out, &err), KG_OK);
	assert_string_equal(out.canonical_request,
			    "GET\n/a/c%2520d/~e/\n"
			    "a=&a=1&b=2&c=&~=x%2By\n"
			    "host:example.amazonaws.com\nx-a:1,2\nx-amz-date:"
			    "19700101T000000Z\n"
			    "x-b:two words here\n\n"
			    "host;x-a;x-amz-date;x-b\n"
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
			    "95991b7852b855");
	assert_string_equal(kg_sigv4_uri_encode(pool, "a b/~", 5, 1),
			    "a%20b/~");
	assert_string_equal(kg_sigv4_uri_encode(pool, "a b/~", 5, 0),
			    "a%20b%2F~");
}

static void test_bad_requests_are_refused(void **state)
{
	apr_pool_t *pool = *state;
	kg_sigv4_header no_host[] = {{"X-Amz-Date", "20150830T123600Z"}};
	kg_sigv4_header bad_date[] = {{"Host", "h"},
				      {"X-Amz-Date", "2015-08-30"}};
	kg_sigv4_header other_token[] = {{"Host", "h"},
					 {"X-Amz-Security-Token", "B"}};
	kg_aws_creds creds = {"AKID", "secret", "A"};
	kg_aws_creds no_secret = {"AKID", "", NULL};
	kg_sigv4_req req = {"GET", "/", NULL,	     no_host, 1,
			    NULL,  0,	"us-east-1", "sts",   0};
	kg_sigv4_out out;
	kg_err err = {0};

	assert_int_equal(kg_sigv4_sign(pool, &req, &creds, &out, &err),
			 KG_EINVAL);
	kg_err_clear(&err);
	req.headers = bad_date;
	req.n_headers = 2;
	assert_int_equal(kg_sigv4_sign(pool, &req, &creds, &out, &err),
			 KG_EINVAL);
	kg_err_clear(&err);
	req.headers = other_token;
	assert_int_equal(kg_sigv4_sign(pool, &req, &creds, &out, &err),
			 KG_EINVAL);
	kg_err_clear(&err);
	req.headers = bad_date;
	assert_int_equal(kg_sigv4_sign(pool, &req, &no_secret, &out, &err),
			 KG_EINVAL);
	kg_err_clear(&err);
	req.region = "";
	assert_int_equal(kg_sigv4_sign(pool, &req, &creds, &out, &err),
			 KG_EINVAL);
}

int main(void)
{
	struct CMUnitTest tests[128 + 8];
	size_t n = 0;
	int failed;
	bool found = find_vectors();

	if (found)
		collect(vec_root);
	qsort(cases, n_cases, sizeof(*cases), case_cmp);
	tests[n++] = (struct CMUnitTest)KGT(test_vectors_found);
	for (size_t i = 0; i < n_cases; i++) {
		char *name = malloc(strlen(cases[i].name) + 64);

		if (name == NULL)
			return 1;
		sprintf(name, "vector %s: creq sts authz%s", cases[i].name,
			strcmp(cases[i].name, BAD_SREQ_CASE) ? " sreq" : "");
		tests[n++] = (struct CMUnitTest){name, test_vector, vec_setup,
						 vec_teardown, &cases[i]};
	}
	tests[n++] = (struct CMUnitTest)KGT(test_sts_worked_example);
	tests[n++] = (struct CMUnitTest)KGT(
		test_paths_queries_and_headers_canonicalise);
	tests[n++] = (struct CMUnitTest)KGT(test_bad_requests_are_refused);
	failed = kgt_run(__FILE__, tests, n);
	for (size_t i = 0; i < n_cases; i++)
		if (strcmp(cases[i].name, BAD_SREQ_CASE) == 0)
			printf("ok - vector %s: sreq # SKIP the suite's .sreq "
			       "carries signature 5fa00fa3..., not the "
			       "07ec1639... its own .authz holds "
			       "(shared/research/sts.md section 3)\n",
			       cases[i].name);
	if (found)
		printf("# vectors: %zu cases from %s\n", n_cases, vec_root);
	for (size_t i = 0; i < n - 4; i++)
		free((char *)tests[i + 1].name);
	for (size_t i = 0; i < n_cases; i++) {
		free(cases[i].dir);
		free(cases[i].name);
	}
	return failed;
}
