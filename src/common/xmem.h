/* xmem.h — allocation wrappers: memory exhaustion is handled once, here, by
 * logging and aborting, so callers never test for NULL. */
#ifndef XMEM_H
#define XMEM_H

#include <stdarg.h>
#include <stddef.h>
#include "envmon.h"

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows *ptr to hold at least need elements of elem_size, doubling; updates *cap. */
void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem_size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) ATTR_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) ATTR_PRINTF(1, 0);
/* Large blocks (XMEM_LARGE_BYTES and over) go back to the system when freed: called once,
 * first thing in main, by a long-running process. */
void xmem_return_large(void);
/* Gives the free pages inside the heap back to the system (after a burst of large
 * temporary allocations, not on a hot path: it walks the whole heap). */
void xmem_trim(void);

#endif
