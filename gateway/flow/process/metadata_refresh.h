/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: an IdP's SAML metadata refreshed from a URL without a restart
 * (KeygateSAMLMetadataRefresh).
 *
 * The first SAML request of a process, and then the first one after each
 * interval, fetches the URL (in that request, with a 10 s limit; one
 * thread at a time, the others go on with the current metadata). The
 * fetched metadata replaces the current one only when it is signed by
 * the pinned certificate, loads, and names the same IdP entity ID;
 * otherwise the last good metadata stays and the failure is logged.
 */
#ifndef KG_FLOW_PROCESS_METADATA_REFRESH_H
#define KG_FLOW_PROCESS_METADATA_REFRESH_H

#include "conf/saml.h"
#include "gateway/base/log.h"
#include "gateway/proto/saml/saml.h"

typedef struct kg_metadata_refresh kg_metadata_refresh;

/* A refresher of saml from idp->metadata_url, trusting pinned_cert_pem
 * (PEM text) alone. Lives in pool; saml, idp and the PEM must outlive
 * it. */
kg_metadata_refresh *kg_metadata_refresh_make(apr_pool_t *pool, kg_saml *saml,
					      const kg_conf_saml_idp *idp,
					      const char *pinned_cert_pem);

/* Refreshes when due at now_ms and no other thread is at it; logs to
 * log what happened. Thread-safe; never fails the caller. */
void kg_metadata_refresh_tick(kg_metadata_refresh *r, const kg_log *log,
			      long long now_ms);

#endif
