/* SPDX-License-Identifier: MIT */
/*
 * Corpus replayer: links with a libFuzzer target and feeds it every file named on the command
 * line (directories are walked one level). `make check` runs it over fuzz/corpus/<target>/ in
 * the sanitizer build, so every corpus input is a regression test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f) {
		perror(path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int failures = 0, files = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int n = scandir(argv[i], &names, NULL, alphasort);

			for (int j = 0; j < n; j++) {
				char path[4096];

				if (names[j]->d_name[0] != '.') {
					snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
					failures += run_file(path);
					files++;
				}
				free(names[j]);
			}
			free(n >= 0 ? names : NULL);
		} else {
			failures += run_file(argv[i]);
			files++;
		}
	}
	printf("replayed %d inputs\n", files);
	return failures ? 1 : 0;
}
