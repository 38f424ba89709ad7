/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the directive table of the OpenID Connect settings.
 */
#ifndef KG_CONF_OIDC_DIRECTIVES_H
#define KG_CONF_OIDC_DIRECTIVES_H

#include "conf/directive.h"

extern const kg_directive kg_conf_oidc_directives[];

#endif
