/* journal_append.c — test helper: appends each JSON object read from standard input (one
 * per line) to the journal file given as argument, through journal.h's writer. */
#include <config.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "log.h"

int main(int argc, char **argv)
{
	char line[8192];
	struct journal *j;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: journal-append FILE < records.jsonl\n");
		return 64;
	}
	log_init("journal-append", true, LOG_WARNING);
	j = journal_open(argv[1]);
	if (!j)
		return 1;
	while (rc == 0 && fgets(line, sizeof(line), stdin)) {
		struct json_object *rec = json_tokener_parse(line);

		if (!rec) {
			fprintf(stderr, "journal-append: not JSON: %s", line);
			rc = 1;
			break;
		}
		rc = journal_append(j, rec) == 0 ? 0 : 1;
		json_object_put(rec);
	}
	journal_close(j);
	return rc;
}
