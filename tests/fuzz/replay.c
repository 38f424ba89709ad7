/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: replays a fuzz corpus through a libFuzzer target without
 * libFuzzer, so `make check` runs every saved input under ASan+UBSan.
 * Prints one TAP line for the corpus (and one per unreadable input); a
 * crash aborts the run with the sanitizer's report.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	rewind(f);
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	struct dirent **entries;
	int n, failed = 0, replayed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	n = scandir(argv[1], &entries, NULL, by_name);
	if (n < 0) {
		printf("not ok - cannot read corpus %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		if (entries[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", argv[1],
				 entries[i]->d_name);
			if (replay_file(path) == 0) {
				replayed++;
			} else {
				printf("not ok - %s unreadable\n",
				       entries[i]->d_name);
				failed = 1;
			}
		}
		free(entries[i]);
	}
	free(entries);
	printf("%s - replayed %d inputs of %s without a sanitizer report\n",
	       replayed > 0 && !failed ? "ok" : "not ok", replayed, argv[1]);
	return failed;
}
