/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the AWS credential propagation settings (Domino's
 * com.cerebro.domino.auth.aws.sts.* keys): whether it is on, the STS
 * region and endpoint, the session durations, the refresh window, where
 * the SAML Response for STS comes from, and the optional credentials-file
 * writer.
 *
 * Plain data: conf/ decides nothing and calls nothing.
 */
#ifndef KG_CONF_AWS_H
#define KG_CONF_AWS_H

#include <stdbool.h>

typedef struct {
	bool enabled;		      /* KeygateAwsCredentials; false */
	const char *region;	      /* STS region (required when on) */
	long long default_duration_s; /* 3600 */
	const char *endpoint;	      /* NULL: sts.<region>.amazonaws.com */
	const char *ca_file;	      /* NULL: the system's CA store */
	long long timeout_s;	      /* per STS call attempt; 10 */
	long long refresh_window_s;   /* refresh this long before expiry;
					 600 */
	bool separate_response;	      /* true: the Response for STS comes
					 to PREFIX aws/saml/ALIAS (mode b);
					 false: the login Response (a) */
	const char *default_profile;  /* [default] copies it; NULL: the
					 first role */
	const char *credentials_dir;  /* NULL: no files written */
	int max_roles;		      /* roles assumed per login; 10 */
	bool bearer;		      /* bearer tokens may fetch their user's
					 credentials; true */
} kg_conf_aws;

/* Fills a with the defaults. */
void kg_conf_aws_defaults(kg_conf_aws *a);

/* Parses a duration: a whole number of seconds, or parts such as "1h",
 * "90m", "3600s", "1h30m" (h, m, s, in that order, each at most once).
 * False when s is not one, or it is 0 or over ten years. */
bool kg_conf_duration(const char *s, long long *seconds);

#endif
