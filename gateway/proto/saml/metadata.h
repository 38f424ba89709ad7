/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: checking an IdP's SAML metadata file when the configuration is
 * read (httpd's post-config, `apachectl configtest`, the CLI), before
 * lasso ever sees it, so a broken file stops the start with
 * FILE:LINE:COL instead of leaving every child answering 503.
 */
#ifndef KG_PROTO_SAML_METADATA_H
#define KG_PROTO_SAML_METADATA_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stddef.h>

/* Checks xml[0..len), read from path: well-formed XML without a DTD, an
 * md:EntityDescriptor with an entityID, one IDPSSODescriptor with a
 * SingleSignOnService over HTTP-Redirect and a signing certificate.
 * KG_ECONFIG with "PATH:LINE:COL: what is wrong" otherwise. */
kg_rc kg_saml_metadata_check(apr_pool_t *pool, const char *path,
			     const char *xml, size_t len, kg_err *err);

#endif
