/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the directive table of the SAML 2.0 settings.
 */
#ifndef KG_CONF_SAML_DIRECTIVES_H
#define KG_CONF_SAML_DIRECTIVES_H

#include "conf/directive.h"

extern const kg_directive kg_conf_saml_directives[];

#endif
