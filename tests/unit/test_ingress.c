/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the ingress settings and rules: KeygateTrustedProxies
 * and what a trusted proxy's X-Forwarded-* say, the public origin of a
 * request, KeygateBearerCheck, and the Keycloak realm endpoints.
 */
#include "tests/unit/fixture.h"

#include "conf/location.h"
#include "gateway/flow/core/forwarded.h"
#include "gateway/flow/core/origin.h"

#include <apr_strings.h>
#include <string.h>

static apr_array_header_t *proxies(apr_pool_t *pool, const char *line)
{
	kg_conf *conf;
	kg_err err;

	assert_int_equal(
		kgt_conf_load(pool,
			      apr_pstrcat(pool, "KeygateTrustedProxies ", line,
					  "\n", NULL),
			      &conf, &err),
		KG_OK);
	return conf->gateway.trusted_proxies;
}

static void test_trusted_proxies_are_read(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf = kg_conf_make(pool);
	apr_array_header_t *t;

	/* nobody is trusted by default */
	assert_int_equal(conf->gateway.trusted_proxies->nelts, 0);
	assert_false(kg_forwarded_is_trusted(conf->gateway.trusted_proxies,
					     "127.0.0.1"));
	t = proxies(pool, "10.0.0.0/8 192.168.1.7 2001:db8::/32");
	assert_int_equal(t->nelts, 3);
	assert_true(kg_forwarded_is_trusted(t, "10.1.2.3"));
	assert_true(kg_forwarded_is_trusted(t, "192.168.1.7"));
	assert_false(kg_forwarded_is_trusted(t, "192.168.1.8"));
	assert_false(kg_forwarded_is_trusted(t, "11.0.0.1"));
	assert_true(kg_forwarded_is_trusted(t, "2001:db8:1::5"));
	assert_false(kg_forwarded_is_trusted(t, "2001:db9::5"));
	/* an IPv4-mapped IPv6 peer is its IPv4 address */
	assert_true(kg_forwarded_is_trusted(t, "::ffff:10.9.9.9"));
	/* not an address: never trusted */
	assert_false(kg_forwarded_is_trusted(t, "10.0.0.1x"));
	assert_false(kg_forwarded_is_trusted(t, NULL));
	/* odd prefix lengths */
	t = proxies(pool, "172.16.0.0/12");
	assert_true(kg_forwarded_is_trusted(t, "172.31.255.255"));
	assert_false(kg_forwarded_is_trusted(t, "172.32.0.0"));
	/* Off empties the list */
	assert_int_equal(proxies(pool, "Off")->nelts, 0);
}

static void test_trusted_proxies_errors(void **state)
{
	static const kgt_bad_directive rows[] = {
		{"KeygateTrustedProxies lb.example.com",
		 "1:23: KeygateTrustedProxies: \"lb.example.com\" must be an "
		 "IP address or IP/BITS"},
		{"KeygateTrustedProxies 10.0.0.1 10.0.0.0/33",
		 "1:32: KeygateTrustedProxies: \"10.0.0.0/33\" needs a prefix "
		 "length of 0 to 32"},
		{"KeygateTrustedProxies 10.0.0.1/8", "host bits set"},
		{"KeygateTrustedProxies 10.0.0.0/", "IP/BITS"},
		{"KeygateTrustedProxies ::1/129", "0 to 128"},
	};
	kgt_expect_directive_errors(*state, rows,
				    sizeof(rows) / sizeof(rows[0]));
}

static void test_untrusted_peer_says_nothing(void **state)
{
	apr_pool_t *pool = *state;
	apr_array_header_t *t = proxies(pool, "10.0.0.0/8");
	kg_forwarded f;

	kg_forwarded_read(pool, t, "192.0.2.1", "203.0.113.9", "https",
			  "evil.test", &f);
	assert_false(f.trusted);
	assert_string_equal(f.client_ip, "192.0.2.1");
	assert_null(f.scheme);
	assert_null(f.host);
	assert_null(f.xff_rest);
}

static void test_trusted_peer_names_client_scheme_and_host(void **state)
{
	apr_pool_t *pool = *state;
	apr_array_header_t *t = proxies(pool, "10.0.0.0/8");
	kg_forwarded f;

	/* the right-most entry that is not a trusted hop is the client;
	 * what is left of it stays for the next hop */
	kg_forwarded_read(pool, t, "10.0.0.5",
			  "198.51.100.1, 203.0.113.9 ,10.0.0.7", "http, HTTPS",
			  "Domino.Example.com:8443", &f);
	assert_true(f.trusted);
	assert_string_equal(f.client_ip, "203.0.113.9");
	assert_string_equal(f.xff_rest, "198.51.100.1");
	assert_string_equal(f.scheme, "https");
	assert_string_equal(f.host, "domino.example.com");
	assert_int_equal(f.port, 8443);

	/* only trusted hops: the left-most is the client */
	kg_forwarded_read(pool, t, "10.0.0.5", "10.0.0.9, 10.0.0.8", NULL, NULL,
			  &f);
	assert_string_equal(f.client_ip, "10.0.0.9");
	assert_null(f.xff_rest);
	assert_null(f.scheme);
	assert_null(f.host);

	/* ports and brackets on entries (some balancers add them) */
	kg_forwarded_read(pool, t, "10.0.0.5", "[2001:db8::7]:5555", NULL,
			  "[2001:DB8::1]", &f);
	assert_string_equal(f.client_ip, "2001:db8::7");
	assert_string_equal(f.host, "[2001:db8::1]");
	assert_int_equal(f.port, 0);
	kg_forwarded_read(pool, t, "10.0.0.5", "203.0.113.9:1234", NULL, NULL,
			  &f);
	assert_string_equal(f.client_ip, "203.0.113.9");
}

static void test_trusted_peer_malformed_values_are_ignored(void **state)
{
	apr_pool_t *pool = *state;
	apr_array_header_t *t = proxies(pool, "10.0.0.0/8");
	kg_forwarded f;

	/* a malformed entry stops the walk: the hop after it is the client
	 * (here the proxy itself), never the forged name */
	kg_forwarded_read(pool, t, "10.0.0.5", "203.0.113.9, unknown", NULL,
			  NULL, &f);
	assert_string_equal(f.client_ip, "10.0.0.5");
	assert_string_equal(f.xff_rest, "203.0.113.9, unknown");
	kg_forwarded_read(pool, t, "10.0.0.5", "evil.test, 10.0.0.6, 10.0.0.7",
			  NULL, NULL, &f);
	assert_string_equal(f.client_ip, "10.0.0.6");
	/* schemes other than http(s), hosts with paths, spaces, CR/LF,
	 * user info or bad ports are dropped */
	static const char *const bad_hosts[] = {
		"evil.test/path", "evil test",	 "evil.test\r\nX: y",
		"a@evil.test",	  "evil.test:0", "evil.test:65536",
		"evil.test:",	  ".evil.test",	 "evil..test",
		"[::1",		  "[zz::1]",	 "",
		"evil.test:80x"};
	for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(*bad_hosts); i++) {
		kg_forwarded_read(pool, t, "10.0.0.5", NULL, "javascript",
				  bad_hosts[i], &f);
		assert_null(f.scheme);
		if (f.host)
			fail_msg("X-Forwarded-Host \"%s\" was taken as %s",
				 bad_hosts[i], f.host);
	}
	/* a leading separator (liboauth2 2.3.0's crash) reads as the last
	 * element, which is good here */
	kg_forwarded_read(pool, t, "10.0.0.5", ",", ",https", ",good.example",
			  &f);
	assert_string_equal(f.client_ip, "10.0.0.5");
	assert_string_equal(f.scheme, "https");
	assert_string_equal(f.host, "good.example");
}

static kg_req *request(apr_pool_t *pool, const char *scheme, const char *host,
		       int port)
{
	kg_req *req = kg_req_make(pool);

	req->scheme = scheme;
	req->host = host;
	req->port = port;
	return req;
}

static void test_origin_and_secure_cookie(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf = kg_conf_make(pool);
	kg_gateway gw = {.conf = conf};

	/* no base URL: each request's own */
	assert_string_equal(
		kg_origin(&gw, request(pool, "https", "dp.example.com", 0)),
		"https://dp.example.com");
	assert_string_equal(
		kg_origin(&gw, request(pool, "https", "dp.example.com", 443)),
		"https://dp.example.com");
	assert_string_equal(
		kg_origin(&gw, request(pool, "http", "127.0.0.1", 8080)),
		"http://127.0.0.1:8080");
	assert_string_equal(kg_origin(&gw, request(pool, "http", "[::1]", 80)),
			    "http://[::1]");
	/* Auto: Secure exactly when the origin is https */
	assert_true(kg_origin_cookie_secure(
		&gw, request(pool, "https", "a.example", 0)));
	assert_false(kg_origin_cookie_secure(
		&gw, request(pool, "http", "a.example", 0)));
	conf->sessions.cookie_secure = KG_COOKIE_SECURE_ON;
	assert_true(kg_origin_cookie_secure(
		&gw, request(pool, "http", "a.example", 0)));
	conf->sessions.cookie_secure = KG_COOKIE_SECURE_OFF;
	assert_false(kg_origin_cookie_secure(
		&gw, request(pool, "https", "a.example", 0)));
	/* a base URL wins over whatever the request says */
	conf->sessions.cookie_secure = KG_COOKIE_SECURE_AUTO;
	conf->gateway.base_url = "https://domino.example.com";
	assert_string_equal(
		kg_origin(&gw, request(pool, "http", "evil.test", 80)),
		"https://domino.example.com");
	assert_true(kg_origin_cookie_secure(
		&gw, request(pool, "http", "evil.test", 80)));
}

static void test_bearer_check_merges(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_location *root = kg_conf_location_make(pool);
	kg_conf_location *models = kg_conf_location_make(pool);
	kg_conf_location *inner = kg_conf_location_make(pool);
	const kg_loc_directive *d = NULL;
	const char *off[] = {"Off"}, *on[] = {"on"}, *bad[] = {"maybe"};
	int bad_arg = -1;

	for (const kg_loc_directive *l = kg_conf_location_directives; l->name;
	     l++)
		if (strcmp(l->name, "KeygateBearerCheck") == 0)
			d = l;
	assert_non_null(d);
	assert_true(kg_conf_location_bearer_check(root)); /* default on */
	assert_null(d->set(pool, models, 1, off, &bad_arg));
	assert_false(kg_conf_location_bearer_check(
		kg_conf_location_merge(pool, root, models)));
	/* a nested location inherits Off, and may turn it on again */
	assert_false(kg_conf_location_bearer_check(kg_conf_location_merge(
		pool, kg_conf_location_merge(pool, root, models), inner)));
	assert_null(d->set(pool, inner, 1, on, &bad_arg));
	assert_true(kg_conf_location_bearer_check(kg_conf_location_merge(
		pool, kg_conf_location_merge(pool, root, models), inner)));
	assert_non_null(d->set(pool, inner, 1, bad, &bad_arg));
	assert_int_equal(bad_arg, 0);
}

static void test_realm_endpoints(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf = kg_conf_make(pool);
	const char *certs =
		"/auth/realms/DominoRealm/protocol/openid-connect/certs";
	const char *logout =
		"/auth/realms/DominoRealm/protocol/openid-connect/logout";

	/* KeygateRealm's default, DominoRealm */
	assert_string_equal(conf->gateway.realm, "DominoRealm");
	assert_int_equal(kg_conf_realm_endpoint(conf, logout),
			 KG_REALM_EP_LOGOUT);
	/* KeygateRealm Off: no realm known, nothing */
	conf->gateway.realm = NULL;
	assert_int_equal(kg_conf_realm_endpoint(conf, logout),
			 KG_REALM_EP_NONE);
	/* the app tokens' issuer names the realm */
	conf->gateway.app_jwt_issuer =
		"https://domino.example.com/auth/realms/DominoRealm";
	assert_int_equal(kg_conf_realm_endpoint(conf, logout),
			 KG_REALM_EP_LOGOUT);
	assert_int_equal(kg_conf_realm_endpoint(conf, certs),
			 KG_REALM_EP_NONE); /* no app token key */
	assert_int_equal(
		kg_conf_realm_endpoint(conf, "/auth/realms/DominoRealm"),
		KG_REALM_EP_NONE); /* no public key to show */
	conf->gateway.app_jwt_key = "/etc/keygate/app.key";
	assert_int_equal(kg_conf_realm_endpoint(conf, certs),
			 KG_REALM_EP_CERTS);
	assert_int_equal(
		kg_conf_realm_endpoint(conf, "/auth/realms/DominoRealm"),
		KG_REALM_EP_INFO);
	assert_int_equal(kg_conf_realm_endpoint(
				 conf, "/auth/realms/DominoRealm/.well-known/"
				       "openid-configuration"),
			 KG_REALM_EP_DISCOVERY);
	assert_int_equal(
		kg_conf_realm_endpoint(conf, "/auth/realms/DominoRealm/"
					     "protocol/openid-connect/token"),
		KG_REALM_EP_NONE);
	assert_int_equal(
		kg_conf_realm_endpoint(conf, "/auth/realms/DominoRealmX/"
					     "protocol/openid-connect/certs"),
		KG_REALM_EP_NONE);
	assert_int_equal(kg_conf_realm_endpoint(conf, "/auth/realms/"),
			 KG_REALM_EP_NONE);
	assert_int_equal(kg_conf_realm_endpoint(conf, NULL), KG_REALM_EP_NONE);
	conf->gateway.app_jwt_issuer =
		"https://domino.example.com/auth/realms/DominoRealm/";
	assert_int_equal(kg_conf_realm_endpoint(conf, certs),
			 KG_REALM_EP_CERTS);
	/* an issuer with no path: no Keycloak path to serve */
	conf->gateway.app_jwt_issuer = "https://domino.example.com";
	assert_int_equal(
		kg_conf_realm_endpoint(conf, "/protocol/openid-connect/certs"),
		KG_REALM_EP_NONE);
	/* KeygateSAMLKeycloakPaths names it too (kg_conf_finish) */
	conf->saml.keycloak_realm = conf->gateway.realm = "Corp";
	assert_int_equal(
		kg_conf_realm_endpoint(
			conf,
			"/auth/realms/Corp/protocol/openid-connect/logout"),
		KG_REALM_EP_LOGOUT);
	assert_int_equal(kg_conf_realm_endpoint(conf, logout),
			 KG_REALM_EP_NONE);
}

/* KeygateRealm NAME: the realm endpoints move to /auth/realms/NAME, and
 * the app tokens' default issuer names it; Off: no realm endpoints. */
static void test_a_realm_of_its_own(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_gateway gw;
	kg_err err;
	const char *corp = "/auth/realms/Corp/protocol/openid-connect/certs";

	assert_int_equal(
		kgt_conf_load(pool, "KeygateRealm Corp\n", &conf, &err), KG_OK);
	assert_string_equal(conf->gateway.realm, "Corp");
	conf->gateway.app_jwt_key = "/etc/keygate/app.key";
	assert_int_equal(kg_conf_realm_endpoint(conf, corp), KG_REALM_EP_CERTS);
	assert_int_equal(kg_conf_realm_endpoint(conf, "/auth/realms/Corp"),
			 KG_REALM_EP_INFO);
	assert_int_equal(kg_conf_realm_endpoint(conf,
						"/auth/realms/Corp/.well-known/"
						"openid-configuration"),
			 KG_REALM_EP_DISCOVERY);
	assert_int_equal(
		kg_conf_realm_endpoint(conf, "/auth/realms/DominoRealm/"
					     "protocol/openid-connect/certs"),
		KG_REALM_EP_NONE);
	gw = (kg_gateway){.conf = conf};
	assert_string_equal(kg_origin_realm_url(&gw, request(pool, "https",
							     "d.example", 0)),
			    "https://d.example/auth/realms/Corp");
	assert_int_equal(kgt_conf_load(pool, "KeygateRealm Off\n", &conf, &err),
			 KG_OK);
	assert_null(conf->gateway.realm);
	conf->gateway.app_jwt_key = "/etc/keygate/app.key";
	assert_int_equal(
		kg_conf_realm_endpoint(conf, "/auth/realms/DominoRealm/"
					     "protocol/openid-connect/certs"),
		KG_REALM_EP_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_trusted_proxies_are_read),
		KGT(test_trusted_proxies_errors),
		KGT(test_untrusted_peer_says_nothing),
		KGT(test_trusted_peer_names_client_scheme_and_host),
		KGT(test_trusted_peer_malformed_values_are_ignored),
		KGT(test_origin_and_secure_cookie),
		KGT(test_bearer_check_merges),
		KGT(test_realm_endpoints),
		KGT(test_a_realm_of_its_own),
	};
	return KGT_RUN(tests);
}
