/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the version, as debian/changelog names it (keygate --version,
 * keygate_build_info).
 */
#ifndef KG_BASE_VERSION_H
#define KG_BASE_VERSION_H

#define KG_VERSION "0.1.0"

#endif
