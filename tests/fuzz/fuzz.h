/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz targets: what the simple targets share. Including this in
 * a target's one file declares libFuzzer's entry points and defines
 * LLVMFuzzerInitialize, which makes `root`, the pool every input's own
 * pool hangs from (a target destroys its input's pool before it
 * returns, so nothing outlives an input).
 */
#ifndef KG_TESTS_FUZZ_H
#define KG_TESTS_FUZZ_H

#include <apr_general.h>
#include <apr_pools.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	apr_initialize();
	atexit(apr_terminate);
	apr_pool_create(&root, NULL);
	return 0;
}

#endif
