/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the directive table of the AWS credential settings.
 */
#ifndef KG_CONF_AWS_DIRECTIVES_H
#define KG_CONF_AWS_DIRECTIVES_H

#include "conf/directive.h"

extern const kg_directive kg_conf_aws_directives[];

#endif
